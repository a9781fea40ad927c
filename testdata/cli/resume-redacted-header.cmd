# Review 66: a continuation writes <redacted> for a -H value whose name suggests a credential;
# pasted as printed it sent the word. A line beside it says which value to put back; a header
# given as -H @FILE is copied as it is, and a header of another name keeps its value. A name
# given twice is named once (review 68).
printf '{"Records":[' >cut.json
printf 'X-Other-Key: v\n' >h.txt
$BIN -n -q -H 'X-Api-Key: abc' -H 'Proxy-Authorization: def' -H @h.txt -H 'X-Trace: t1' -H 'x-api-key: abd' cut.json
