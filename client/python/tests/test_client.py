"""Tests of tenas_client against a real tenas-server.

The server binary comes from $TENAS_SERVER_BIN; it is started on
127.0.0.1 with --port 0 and stopped (SIGTERM) at the end. The stubs come
from $TENAS_CLIENT_GENERATED (run_tests.sh generates them into a temporary
folder). Run: bash client/python/run_tests.sh build/server/tenas-server
"""

import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)
REPO_ROOT = os.path.dirname(os.path.dirname(PKG_ROOT))
sys.path.insert(0, PKG_ROOT)
sys.path.insert(0, os.path.join(PKG_ROOT, "examples"))

import grpc  # noqa: E402

import tenas_client  # noqa: E402
from tenas_client import (InvalidArgumentError, NotFoundError,  # noqa: E402
                          ResourceExhaustedError, ScoreResult, TenasClient,
                          TenasError, UnauthenticatedError)
import evolution  # noqa: E402

ARCH = ("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|"
        "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
ARCHS = [
    ARCH,
    "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|"
    "+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|"
    "+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
]
ACCURACY = os.path.join(REPO_ROOT, "data", "nb201_accuracy.csv")


class Server:
    """A tenas-server process on 127.0.0.1, port 0."""

    def __init__(self, *extra):
        binary = os.environ.get("TENAS_SERVER_BIN")
        if not binary or not os.access(binary, os.X_OK):
            raise unittest.SkipTest("TENAS_SERVER_BIN not set to a tenas-server")
        self.log = tempfile.NamedTemporaryFile(prefix="tenas-server-",
                                               suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0",
             "--metrics-port", "-1", "--drain-seconds", "5", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.port is None:
            with open(self.log.name) as f:
                m = re.search(r"listening on port (\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("tenas-server did not start: " + self.output())
        self.target = "127.0.0.1:%d" % self.port

    def output(self):
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)
        return self.proc.returncode


class OfflineTest(unittest.TestCase):
    """Parts that need no server."""

    def test_architecture_kinds(self):
        a = tenas_client.make_architecture(ARCH)
        self.assertEqual(a.WhichOneof("arch"), "nb201_arch")
        d = tenas_client.make_architecture("Genotype(normal=[], reduce=[])")
        self.assertEqual(d.WhichOneof("arch"), "darts_genotype_text")
        with self.assertRaises(TypeError):
            tenas_client.make_architecture(3)

    def test_error_mapping(self):
        from tenas_client import errors
        e = errors.error_for(3, "options.batch_size: 9999 is out of range")
        self.assertIsInstance(e, InvalidArgumentError)
        self.assertEqual(e.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.field, "options.batch_size")
        self.assertIsInstance(errors.error_for(8, "full"),
                              ResourceExhaustedError)
        self.assertIsInstance(errors.error_for(grpc.StatusCode.NOT_FOUND, ""),
                              NotFoundError)
        self.assertIsInstance(errors.error_for(14, "x"),
                              tenas_client.UnavailableError)
        other = errors.error_for(13, "internal")
        self.assertIs(type(other), TenasError)

    def test_evolution_helpers(self):
        ops = ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3",
               "skip_connect", "nor_conv_3x3", "nor_conv_1x1")
        self.assertEqual(evolution.arch_string(ops), ARCH)
        import random
        rng = random.Random(1)
        for _ in range(50):
            child = evolution.mutate(ops, rng)
            self.assertEqual(sum(a != b for a, b in zip(ops, child)), 1)
        self.assertEqual(evolution.average_ranks([3.0, 1.0, 3.0, 2.0]),
                         [3.5, 1.0, 3.5, 2.0])


class ServerTest(unittest.TestCase):
    """One real server (2 workers) shared by the tests of this class."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "2", "--threads", "1")
        cls.client = TenasClient(cls.server.target, timeout=300)
        cls.client.wait_until_ready(timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        rc = cls.server.stop()
        assert rc == 0, "tenas-server exited %s" % rc

    def test_health_and_info(self):
        self.assertEqual(self.client.health(), "SERVING")
        self.assertEqual(self.client.health(service=""), "SERVING")
        info = self.client.info()
        self.assertEqual(info["device"], "cpu")
        self.assertEqual(info["workers"], 2)
        names = [d["name"] for d in info["datasets"]]
        self.assertIn("cifar10", names)
        self.assertTrue(info["version"])
        # Every measure the server computes, TE-NAS's two first.
        self.assertEqual(len(info["measures"]), 16)
        self.assertEqual(info["measures"][:2], ["ntk", "lr"])
        self.assertIn("nwot", info["measures"])

    def test_score_fields(self):
        r = self.client.score(ARCH, seed=1, repeats=2, batch_size=8)
        self.assertIsInstance(r, ScoreResult)
        self.assertEqual(r.arch, ARCH)
        self.assertEqual(r.space, "nb201")
        self.assertEqual(r.dataset, "cifar10")
        self.assertEqual(r.seed, 1)
        self.assertEqual(r.batch_size, 8)
        self.assertEqual(r.device, "cpu")
        self.assertEqual([x.repeat for x in r.repeats], [0, 1])
        self.assertGreaterEqual(r.ntk_condition_number, 1.0)
        self.assertTrue(1 <= r.linear_regions <= 3000)
        mean_k = sum(x.ntk_condition_number for x in r.repeats) / 2
        self.assertAlmostEqual(r.kappa, mean_k, delta=1e-6 * mean_k)
        # The standard errors are those of the repeats (statistics.stdev
        # divides by n - 1).
        k = [x.ntk_condition_number for x in r.repeats]
        lr = [x.linear_regions for x in r.repeats]
        self.assertAlmostEqual(r.kappa_sem, statistics.stdev(k) / math.sqrt(2),
                               delta=1e-9 * mean_k)
        self.assertAlmostEqual(r.linear_regions_sem,
                               statistics.stdev(lr) / math.sqrt(2), delta=1e-9)
        self.assertGreater(r.timing.total_seconds, 0)
        # Same seed, same measures: the service is deterministic.
        again = self.client.score(ARCH, seed=1, repeats=2, batch_size=8)
        self.assertEqual(again.repeats, r.repeats)

    def test_score_measures(self):
        r = self.client.score(ARCH, seed=2, repeats=2, batch_size=8,
                              measures=["nwot", "params", "lr"],
                              proxy_batch_size=8)
        # Canonical order, whatever the order asked.
        self.assertEqual(list(r.measures), ["lr", "params", "nwot"])
        self.assertEqual(r.proxy_batch_size, 8)
        for m in r.measures.values():
            self.assertEqual(len(m.values), 2, m)
            self.assertAlmostEqual(m.mean, statistics.mean(m.values),
                                   delta=1e-9 * (1 + abs(m.mean)))
            self.assertAlmostEqual(m.sem,
                                   statistics.stdev(m.values) / math.sqrt(2),
                                   delta=1e-9 * (1 + abs(m.mean)))
        params = r.measures["params"]
        self.assertGreater(params.mean, 0)
        self.assertEqual(params.values[0], params.values[1])
        self.assertEqual(params.sem, 0.0)
        self.assertEqual(r.measures["lr"].mean, r.linear_regions)
        self.assertEqual(r.ntk_condition_number, 0.0)  # not asked for
        # The default is TE-NAS's two, listed as measures too.
        default = self.client.score(ARCH, seed=2, repeats=1, batch_size=8)
        self.assertEqual(list(default.measures), ["ntk", "lr"])
        self.assertEqual(default.measures["ntk"].mean,
                         default.ntk_condition_number)
        self.assertEqual(default.proxy_batch_size, 0)
        # The same architecture with other measures: no stale cache entry.
        flops = self.client.score(ARCH, seed=2, repeats=1, batch_size=8,
                                  measures=["flops"])
        self.assertEqual(list(flops.measures), ["flops"])
        items = dict(self.client.score_many(ARCHS[:2], repeats=1,
                                            measures=["params"]))
        self.assertEqual(sorted(items), [0, 1])
        for item in items.values():
            self.assertEqual(list(item.measures), ["params"], item)

    def test_invalid_measures(self):
        with self.assertRaises(InvalidArgumentError) as ctx:
            self.client.score(ARCH, repeats=1, measures=["ntk", "bogus"])
        self.assertEqual(ctx.exception.field, "options.measure_names")
        self.assertIn("'bogus'", ctx.exception.message)
        with self.assertRaises(InvalidArgumentError) as ctx:
            self.client.score(ARCH, repeats=1, measures=["params"],
                              proxy_batch_size=1)
        self.assertEqual(ctx.exception.field, "options.proxy_batch_size")
        with self.assertRaises(InvalidArgumentError) as ctx:
            next(self.client.search(measures=["lr", "nope"]))
        self.assertEqual(ctx.exception.field, "measures")
        # A single string is the older choice between κ and R only.
        with self.assertRaises(ValueError):
            self.client.score(ARCH, measures="nwot")

    def test_score_many_all_indices(self):
        results = list(self.client.score_many(ARCHS, repeats=1, batch_size=8))
        self.assertEqual(sorted(i for i, _ in results), [0, 1, 2])
        for index, item in results:
            self.assertIsInstance(item, ScoreResult, item)
            self.assertEqual(item.arch, ARCHS[index])
            self.assertEqual(len(item.repeats), 1)

    def test_invalid_architecture_names_field(self):
        with self.assertRaises(InvalidArgumentError) as ctx:
            self.client.score("|nor_conv_3x3~0|+|bogus~0|", repeats=1)
        e = ctx.exception
        self.assertEqual(e.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.field, "architecture.nb201_arch")
        self.assertIn("bogus", e.message)
        # In a batch it is that item's error; the others are scored.
        items = dict(self.client.score_many([ARCH, "|bogus~0|"], repeats=1,
                                            batch_size=8))
        self.assertEqual(sorted(items), [0, 1])
        self.assertIsInstance(items[0], ScoreResult)
        self.assertIsInstance(items[1], InvalidArgumentError)
        self.assertTrue(items[1].field.startswith("architectures[1]"),
                        items[1].message)

    def test_invalid_options(self):
        with self.assertRaises(InvalidArgumentError) as ctx:
            self.client.score(ARCH, batch_size=99999)
        self.assertEqual(ctx.exception.field, "options.batch_size")
        with self.assertRaises(InvalidArgumentError) as ctx:
            self.client.score(ARCH, dataset="cifar100", repeats=1)
        self.assertTrue(ctx.exception.field.startswith("dataset"))

    def test_watch_and_cancel_unknown_search(self):
        with self.assertRaises(NotFoundError) as ctx:
            list(self.client.watch("s-does-not-exist"))
        self.assertEqual(ctx.exception.code, grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(NotFoundError):
            self.client.cancel("s-does-not-exist")
        with self.assertRaises(NotFoundError):
            self.client.get_search("s-does-not-exist")

    def test_search_events_then_result(self):
        events = list(self.client.search(space="nb201", seed=0, repeats=1,
                                         batch_size=8, timeout=900))
        types = [e["type"] for e in events]
        self.assertEqual(types[-1], "result")
        self.assertEqual(types.count("result"), 1)
        self.assertLessEqual(set(types), {"round_started", "candidate_scored",
                                          "ops_pruned", "round_finished",
                                          "result"})
        self.assertEqual(types[0], "round_started")
        self.assertEqual([e["sequence"] for e in events],
                         list(range(len(events))))
        search_id = events[0]["search_id"]
        self.assertTrue(all(e["search_id"] == search_id for e in events))
        scored = [e for e in events if e["type"] == "candidate_scored"]
        self.assertTrue(scored)
        for key in ("edge_key", "op", "kappa_delta", "regions_delta",
                    "repeats", "round", "index"):
            self.assertIn(key, scored[0])
        result = events[-1]
        self.assertEqual(result["arch"].count("~"), 6)
        self.assertNotIn("none", result["arch"])
        self.assertEqual(result["space"], "nb201")
        self.assertEqual(result["mode"], "faithful")
        self.assertEqual(result["repeats"], 1)
        self.assertTrue(result["rounds"])
        self.assertIsInstance(result["ntk_evaluations"], int)
        # Re-attach: the finished search replays the same events.
        replay = list(self.client.watch(search_id, from_sequence=len(events) - 1))
        self.assertEqual([e["type"] for e in replay], ["result"])
        self.assertEqual(replay[0]["arch"], result["arch"])
        state = self.client.get_search(search_id)
        self.assertEqual(state["state"], "succeeded")
        self.assertIn(search_id,
                      [s["search_id"] for s in self.client.list_searches()])

    def test_robust_search_reports_its_mode_and_repeats(self):
        events = list(self.client.search(space="nb201", seed=1, batch_size=8,
                                         mode="robust", timeout=900))
        result = events[-1]
        self.assertEqual(result["type"], "result")
        self.assertEqual(result["mode"], "robust")
        self.assertEqual(result["repeats"], 4)  # the robust default
        state = self.client.get_search(events[0]["search_id"])
        self.assertEqual(state["request"]["mode"], "SEARCH_MODE_ROBUST")
        # No init given: the robust mode's default, stored with the search.
        self.assertEqual(state["request"]["init"], "INIT_MODE_PAPER")
        with self.assertRaises(ValueError):
            next(self.client.search(mode="fast"))

    def test_evolution_example_runs(self):
        env = dict(os.environ)
        cmd = [sys.executable, os.path.join(PKG_ROOT, "examples",
                                            "evolution.py"),
               "--server", self.server.target, "--cycles", "2",
               "--population", "3", "--sample-size", "2", "--batch", "2",
               "--repeats", "1", "--batch-size", "8", "--json", "--quiet",
               "--timeout", "300", "--accuracy-table", ACCURACY]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual(summary["arch"].count("~"), 6)
        self.assertEqual(summary["cycles"], 2)
        self.assertGreaterEqual(summary["evaluated"], 1)
        self.assertTrue(summary["ntk_condition_number"] >= 1)
        self.assertGreater(summary["benchmark"]["cifar10_test"], 0)
        # Text output with the rank fitness.
        cmd = [c for c in cmd if c != "--json"] + ["--fitness", "rank"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"(?m)^architecture: \|")


class OverloadTest(unittest.TestCase):
    """A server with a queue of 1: a score_many call takes one slot however
    many items it holds, and its items are paced, not refused
    (docs/RELIABILITY.md §6.7)."""

    def test_more_items_than_the_queue_are_all_scored(self):
        server = Server("--workers", "1", "--threads", "1", "--max-queue", "1")
        try:
            with TenasClient(server.target, timeout=300) as client:
                client.wait_until_ready(timeout=120)
                archs = ARCHS + ARCHS  # 6 items, 1 worker, queue of 1
                results = dict(client.score_many(archs, repeats=1,
                                                 batch_size=8))
                self.assertEqual(sorted(results), list(range(6)))
                for i, r in results.items():
                    self.assertIsInstance(r, ScoreResult, (i, r))
                    self.assertEqual(r.arch, archs[i])
                queues = {q["job_class"]: q for q in client.info()["queues"]}
                self.assertEqual(queues["score"]["rejected_requests"], 0)
                self.assertEqual(queues["score"]["started_jobs"], 6)
        finally:
            self.assertEqual(server.stop(), 0)


class SecurityTest(unittest.TestCase):
    """Bearer tokens and TLS, as the CLI's flags: the right credentials get
    through, missing or wrong ones fail with a clear error; a repeated score
    is answered from the server's cache."""

    def test_token_and_cache(self):
        with tempfile.TemporaryDirectory() as tmp:
            tokens = os.path.join(tmp, "tokens")
            with open(tokens, "w") as f:
                f.write("# test\npython-client 0123456789abcdef-python\n")
            server = Server("--auth-token-file", tokens, "--threads", "1")
            try:
                with TenasClient(server.target, timeout=300) as anonymous:
                    with self.assertRaises(UnauthenticatedError):
                        anonymous.info()
                with TenasClient(server.target, timeout=300,
                                 auth_token="0123456789abcdef-wrong") as bad:
                    with self.assertRaises(UnauthenticatedError):
                        bad.score(ARCH, repeats=1, batch_size=8)
                with TenasClient(server.target, timeout=300,
                                 auth_token_file=tokens) as client:
                    client.wait_until_ready(timeout=120)  # health: no token
                    first = client.score(ARCH, repeats=1, batch_size=8)
                    again = client.score(ARCH, repeats=1, batch_size=8)
                    self.assertFalse(first.cached)
                    self.assertTrue(again.cached)
                    self.assertEqual(first.ntk_condition_number,
                                     again.ntk_condition_number)
                    events = list(client.search(repeats=1, batch_size=4))
                    self.assertEqual(events[-1]["type"], "result")
            finally:
                self.assertEqual(server.stop(), 0)

    def test_tls(self):
        with tempfile.TemporaryDirectory() as tmp:
            key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes"]

            def openssl(*args):
                subprocess.run(["openssl", *args], cwd=tmp, check=True,
                               capture_output=True)
            openssl("req", "-x509", *key, "-keyout", "ca.key", "-out",
                    "ca.pem", "-days", "1", "-subj", "/CN=test-ca")
            openssl("req", *key, "-keyout", "server.key", "-out",
                    "server.csr", "-subj", "/CN=localhost")
            with open(os.path.join(tmp, "san.ext"), "w") as f:
                f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
            openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
                    "-CAkey", "ca.key", "-CAcreateserial", "-out",
                    "server.pem", "-days", "1", "-extfile", "san.ext")
            server = Server("--tls-cert", os.path.join(tmp, "server.pem"),
                            "--tls-key", os.path.join(tmp, "server.key"))
            try:
                with TenasClient(server.target, timeout=60,
                                 tls_ca=os.path.join(tmp, "ca.pem"),
                                 tls_server_name="localhost") as client:
                    client.wait_until_ready(timeout=120)
                    self.assertIn("version", client.info())
                with TenasClient(server.target, timeout=10) as plain:
                    with self.assertRaises(TenasError):
                        plain.info()
            finally:
                self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
