-- wrk script for scripts/bench.sh: POST a typical redispatch body, as
-- a2a-recover does (same headers, same size), on keep-alive connections.
wrk.method = "POST"
wrk.body = '{"tenant":"globex","taskId":"task-000002","owner":"bob",' ..
           '"eventSequence":42,"recordedAtMicros":1795687200123456}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["User-Agent"] = "a2a-recover/0.1.0"
wrk.headers["Idempotency-Key"] = "globex:task-000002:42"
