# Dry-run peer for scripts/bench.sh: classifies a Lambda DynamoDB Streams event
# ({"Records":[...]}) the way the stream-recovery handler does and prints the
# partial-batch response, as someone would write it with jq:
#
#   jq -c -f scripts/bench/peer.jq events.json
#
# INSERT records whose NEW_IMAGE lacks tenant/taskId/owner (S), eventSequence
# (N, u64) or recordedAtMicros (N, i64) are failures; MODIFY, REMOVE and
# records without a SequenceNumber are not listed.  Numbers are checked as
# strings (Rust from_str rules: optional sign, ASCII digits, no overflow);
# jq's own numbers are doubles and would accept "1e3" and lose precision.

# Unsigned decimal digits (leading zeros allowed) not above $max.
def fits($max):
  sub("^0+"; "") as $d
  | ($d | length) < ($max | length)
    or (($d | length) == ($max | length) and $d <= $max);

def u64:
  type == "string" and test("^\\+?[0-9]+$")
  and (ltrimstr("+") | fits("18446744073709551615"));

def i64:
  type == "string" and test("^[-+]?[0-9]+$")
  and (if startswith("-") then ltrimstr("-") | fits("9223372036854775808")
       else ltrimstr("+") | fits("9223372036854775807") end);

def s_attr($k): .[$k] | type == "object" and (.S | type == "string");
def n_attr($k; f): .[$k] | type == "object" and (.N | f);

def valid_image:
  type == "object"
  and s_attr("tenant") and s_attr("taskId") and s_attr("owner")
  and n_attr("eventSequence"; u64) and n_attr("recordedAtMicros"; i64);

{batchItemFailures: [
  .Records[]
  | select(.eventName == "INSERT")
  | select((.dynamodb.NewImage // {} | valid_image) | not)
  | .dynamodb.SequenceNumber
  | select(type == "string")
  | {itemIdentifier: .}
]}
