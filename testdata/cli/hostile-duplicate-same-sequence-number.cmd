# "SequenceNumber" twice with one value, and "dynamodb" twice with one SequenceNumber:
# both records are malformed; whether a repeated but equal SequenceNumber counts as unambiguous
# is a policy choice, but the two must be treated alike: both listed (exit 1) or neither (exit 4).
$BIN -n "$DATA/hostile-dup-same-seq.json" >out.txt
rc=$?
case $(cat out.txt) in
"{\"batchItemFailures\":[{\"itemIdentifier\":\"932000000000000000002\"},{\"itemIdentifier\":\"932000000000000000004\"}]}")
	[ $rc -eq 1 ] || fail "both listed, but exit $rc" ;;
"{\"batchItemFailures\":[]}")
	[ $rc -eq 4 ] || fail "neither listed, but exit $rc" ;;
*)
	fail "the two records are treated differently: $(cat out.txt), exit $rc" ;;
esac
exit 0
