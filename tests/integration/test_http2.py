"""HTTP/2: where the server offers it over TLS (ALPN), calls are multiplexed on one connection.

The test dispatcher speaks HTTP/1.1 only, so this test puts nginx (nginx-light, installed by
scripts/setup.sh) on 127.0.0.1 with a generated certificate and `http2` on its listener, and
reads nginx's access log: every request must arrive as HTTP/2.0, all on one connection.
"""
import os
import shutil
import signal
import socket
import subprocess
import time
import unittest

import harness
import test_reliability as rel

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format proto '$server_protocol $connection $request_method $http_idempotency_key';
    access_log {d}/access.log proto;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            default_type application/json;
            return 200 '{{"outcome":"dispatched"}}';
        }}
    }}
}}
"""



def nginx_binary():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Http2Test(harness.IntegrationTestCase):
    def start_nginx(self, pki):
        binary = nginx_binary()
        self.assertIsNotNone(binary, "nginx is needed for this test: run scripts/setup.sh")
        d = self.path("nginx")
        os.makedirs(os.path.join(d, "body"))
        port = harness.free_port()
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=d, port=port, cert=pki["cert"], key=pki["key"]))
        proc = subprocess.Popen([binary, "-p", d, "-c", os.path.join(d, "nginx.conf")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.addCleanup(self.stop_nginx, proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                self.assertIsNone(proc.poll(), "nginx exited: %s" % proc.stderr.read())
                time.sleep(0.05)
        else:
            self.fail("nginx did not start listening")
        return port, os.path.join(d, "access.log")

    @staticmethod
    def stop_nginx(proc):
        proc.send_signal(signal.SIGQUIT)  # graceful: flushes the access log
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()

    def test_calls_are_multiplexed_over_one_connection(self):
        pki_dir = self.path("pki")
        os.makedirs(pki_dir)
        pki = rel.make_pki(pki_dir)
        port, access_log = self.start_nginx(pki)
        records = [harness.insert(str(1000 + i), "acme", "task-%d" % i, event_sequence=i + 1)
                   for i in range(200)]
        path = self.write_event(records)
        url = "https://127.0.0.1:%d/internal/push/redispatch" % port

        r = self.run_tool(["-j", "8", "--cacert", pki["ca"], "-u", url, path])

        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(r.failures, [], r.stderr)
        self.assertNotIn("retr", r.stderr)  # no call was made twice: each attempt is said
        deadline = time.monotonic() + 5
        lines = []
        while time.monotonic() < deadline:
            with open(access_log) as f:
                lines = [l.split() for l in f if l.strip()]
            if len(lines) >= 200:
                break
            time.sleep(0.05)
        self.assertEqual(len(lines), 200, "nginx logged %d requests" % len(lines))
        self.assertEqual({l[0] for l in lines}, {"HTTP/2.0"})
        self.assertEqual({l[2] for l in lines}, {"POST"})
        self.assertEqual(len({l[1] for l in lines}), 1,
                         "expected one multiplexed connection, got %s" %
                         sorted({l[1] for l in lines}))
        keys = sorted(l[3] for l in lines)
        self.assertEqual(keys, sorted("acme:task-%d:%d" % (i, i + 1) for i in range(200)))


if __name__ == "__main__":
    unittest.main()
