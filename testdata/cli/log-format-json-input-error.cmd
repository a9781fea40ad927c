printf '[{"eventName":"REMOVE"},' | $BIN -n --log-format json 2>log.json
rc=$?
! grep -qv '^{.*}$' log.json || fail 'a stderr line is not a JSON object'
cat log.json >&2
exit $rc
