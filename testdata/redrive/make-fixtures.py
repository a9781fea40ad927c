#!/usr/bin/env python3
"""make-fixtures.py - writes the redrive fixtures of this directory (see README.md).

Every document is built here, field by field, from the shapes the AWS documentation shows;
the JSON strings that hold JSON (an SQS Body, an SNS Message, an S3 payload given as a
string) are produced by json.dumps so their escaping is exactly what the services send.
Run it again after a change: the files are committed, the tests read them.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ARN = "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/2024-01-01T00:00:00.000"
SHARD = "shardId-00000001700000000000-aaaaaaaa"


def invocation(start, end, batch, function_error="Unhandled", payload=None):
    """The on-failure invocation record of a DynamoDB stream event source mapping."""
    doc = {
        "requestContext": {
            "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
            "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:a2a-stream-recovery",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 1,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "version": "1.0",
        "timestamp": "2024-01-01T00:13:49.717Z",
        "DDBStreamBatchInfo": {
            "shardId": SHARD,
            "startSequenceNumber": start,
            "endSequenceNumber": end,
            "approximateArrivalOfFirstRecord": "2024-01-01T00:13:19Z",
            "approximateArrivalOfLastRecord": "2024-01-01T00:13:19Z",
            "batchSize": batch,
            "streamArn": ARN,
        },
    }
    if function_error is not None:
        doc["responseContext"]["functionError"] = function_error
    if payload is not None:
        doc["payload"] = payload
    return doc


def stream_record(seq, event_name="INSERT", task="task-1"):
    """A stream record of the marker table, as in a DynamoDB Streams event."""
    image = {
        "PK": {"S": "TENANT#t1#PUSH_PENDING"},
        "SK": {"S": "TASK#" + task + "#EVENT#1"},
        "tenant": {"S": "t1"},
        "taskId": {"S": task},
        "owner": {"S": "owner-1"},
        "eventSequence": {"N": "1"},
        "recordedAtMicros": {"N": "1704067999000000"},
    }
    return {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-2",
        "dynamodb": {
            "ApproximateCreationDateTime": 1704067999,
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "NewImage": image,
            "SequenceNumber": seq,
            "SizeBytes": 26,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": ARN,
    }


def sns_notification(message, message_id):
    """The JSON an SNS topic delivers to an SQS queue without raw message delivery."""
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-2:123456789012:a2a-stream-failures",
        "Message": message,
        "Timestamp": "2024-01-01T00:13:50.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
        "UnsubscribeURL": "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=EXAMPLE",
    }


def sqs_message(message_id, body):
    """One element of `aws sqs receive-message --output json`'s Messages."""
    return {
        "MessageId": message_id,
        "ReceiptHandle": "AQEB-receipt-" + message_id,
        "MD5OfBody": "0123456789abcdef0123456789abcdef",
        "Body": body,
    }


def sqs_event_record(message_id, body):
    """One record of a Lambda SQS event."""
    return {
        "messageId": message_id,
        "receiptHandle": "AQEB-receipt-" + message_id,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1704068030000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1704068030001",
        },
        "messageAttributes": {},
        "md5OfBody": "0123456789abcdef0123456789abcdef",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:a2a-stream-dlq",
        "awsRegion": "us-east-2",
    }


def sns_event_record(message_id, message):
    """One record of a Lambda SNS event."""
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-2:123456789012:a2a-stream-failures:EXAMPLE",
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": "2024-01-01T00:13:50.000Z",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "EXAMPLE",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": "EXAMPLE",
            "TopicArn": "arn:aws:sns:us-east-2:123456789012:a2a-stream-failures",
            "Subject": None,
        },
    }


S1 = "800000000003126276362"
S2 = "800000000003126276363"
S3 = "800000000003126276364"


def write(name, text):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as fh:
        fh.write(text)


def main():
    one = json.dumps(invocation(S1, S1, 1))
    write("invocation.json", json.dumps(invocation(S1, S1, 1), indent=2) + "\n")
    write("invocation-null-error.json",
          json.dumps(invocation(S1, S2, 2, function_error=None)) + "\n" +
          json.dumps(dict(invocation(S2, S3, 2), responseContext={"statusCode": 200, "functionError": None})) + "\n")
    write("sqs-receive-message.json", json.dumps({"Messages": [
        sqs_message("11111111-1111-4111-8111-111111111111", one),
        sqs_message("22222222-2222-4222-8222-222222222222",
                    json.dumps(sns_notification(json.dumps(invocation(S2, S3, 2)),
                                                "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"))),
    ]}, indent=4) + "\n")
    write("sqs-event.json", json.dumps({"Records": [
        sqs_event_record("33333333-3333-4333-8333-333333333333", one)]}) + "\n")
    write("sns-event.json", json.dumps({"Records": [
        sns_event_record("44444444-4444-4444-8444-444444444444", one)]}) + "\n")
    event = {"Records": [stream_record(S1), stream_record(S2, task="task-2")]}
    write("s3-object.json", json.dumps(invocation(S1, S2, 2, payload=event)) + "\n")
    write("s3-object-string.json", json.dumps(invocation(S1, S2, 2, payload=json.dumps(event))) + "\n")
    write("s3-object-outside.json",
          json.dumps(invocation(S1, S1, 1, payload={"Records": [stream_record(S1), stream_record(S3)]})) + "\n")
    write("s3-object-count.json", json.dumps(invocation(S1, S2, 5, payload=event)) + "\n")
    # Payloads that are not their whole batch although every record lies in the range.
    write("s3-object-gaps.ndjson",
          json.dumps(invocation(S1, S3, 3, payload={"Records": [
              stream_record(S1), stream_record(S1), stream_record(S3, task="task-3")]})) + "\n" +
          json.dumps(invocation(S1, S3, 2, payload={"Records": [
              stream_record(S2, task="task-2"), stream_record(S3, task="task-3")]})) + "\n" +
          json.dumps(invocation(S1, S3, 2, payload={"Records": [
              stream_record(S1), stream_record(S2, task="task-2")]})) + "\n" +
          json.dumps(invocation(S1, S3, 2, payload={"Records": [
              stream_record(S3, task="task-3"), stream_record(S1)]})) + "\n")
    # The S3 object of a batch short of a record, then the whole one: the second is replayed.
    write("s3-object-short-then-whole.ndjson",
          json.dumps(invocation(S1, S2, 2, payload={"Records": [stream_record(S1)]})) + "\n" +
          json.dumps(invocation(S1, S2, 2, payload=event)) + "\n")
    write("sqs-bad-messages.json", json.dumps({"Messages": [
        sqs_message("55555555-5555-4555-8555-555555555555", "{\"DDBStreamBatchInfo\": oops}"),
        sqs_message("66666666-6666-4666-8666-666666666666",
                    json.dumps(sns_notification("hello from SNS", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"))),
        sqs_message("77777777-7777-4777-8777-777777777777", one),
    ]}) + "\n")
    write("mixed.ndjson",
          json.dumps({"Records": [stream_record(S1)]}) + "\n" + one + "\n" +
          json.dumps(stream_record(S2, event_name="MODIFY")) + "\n" +
          json.dumps({"Messages": [sqs_message("88888888-8888-4888-8888-888888888888", one)]}) + "\n" +
          one + "\n")


if __name__ == "__main__":
    main()
