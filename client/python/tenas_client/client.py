"""TenasClient: a typed wrapper over tenas.v1.ArchitectureScorer.

    from tenas_client import TenasClient, InvalidArgumentError
    with TenasClient("127.0.0.1:50051", timeout=60) as c:
        r = c.score("|nor_conv_3x3~0|+|...|", repeats=1)
        print(r.ntk_condition_number, r.linear_regions)
        r = c.score(arch, measures=["ntk", "nwot", "synflow"])
        print(r.measures["nwot"].mean, r.measures["nwot"].values)
        for index, item in c.score_many([a, b, c]):
            ...
        for event in c.search(space="nb201", repeats=1, batch_size=8):
            print(event["type"])

Every RPC failure is raised as a TenasError subclass (errors.py). Events and
info are plain dicts whose keys match the `tenas ... --json` output.
"""

import dataclasses
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import grpc

from tenas_client import errors
from tenas_client._stubs import (health_pb2, health_pb2_grpc, scorer_pb2,
                                 scorer_pb2_grpc)

READY_SERVICE = "tenas.v1.ArchitectureScorer"

_MODES = {"faithful": scorer_pb2.SEARCH_MODE_FAITHFUL,
          "robust": scorer_pb2.SEARCH_MODE_ROBUST}
_INIT = {"shipped": scorer_pb2.INIT_MODE_SHIPPED,
         "paper": scorer_pb2.INIT_MODE_PAPER}
_MEASURES = {"both": scorer_pb2.MEASURES_BOTH,
             "ntk": scorer_pb2.MEASURES_NTK_ONLY,
             "linear_regions": scorer_pb2.MEASURES_LINEAR_REGIONS_ONLY}
_SPACES = {"nb201": scorer_pb2.SEARCH_SPACE_NB201,
           "darts": scorer_pb2.SEARCH_SPACE_DARTS}
_EVENT_TYPES = ("round_started", "candidate_scored", "ops_pruned",
                "round_finished", "result")


@dataclasses.dataclass(frozen=True)
class RepeatScore:
    repeat: int
    ntk_condition_number: float
    linear_regions: float


@dataclasses.dataclass(frozen=True)
class Timing:
    queue_seconds: float
    ntk_seconds: float
    linear_regions_seconds: float
    total_seconds: float
    proxies_seconds: float = 0.0  # all zero-cost proxies together


@dataclasses.dataclass(frozen=True)
class MeasureValue:
    """One measure of a score (MeasureValue): "ntk", "lr" or a zero-cost
    proxy, its mean over the repeats, the standard error of that mean (0.0
    with one repeat) and the value of each repeat."""
    name: str
    mean: float
    sem: float
    values: List[float]


@dataclasses.dataclass(frozen=True)
class ScoreResult:
    """Both TE-NAS measures of one architecture (ScoreArchitectureResponse)."""
    arch: str
    space: str
    dataset: str
    ntk_condition_number: float  # κ, mean over repeats; lower is better
    linear_regions: float        # R, mean over repeats; higher is better
    repeats: List[RepeatScore]
    timing: Timing
    device: str
    seed: int
    batch_size: int
    cached: bool = False  # answered from the server's result cache
    # Standard errors of the two means: sample standard deviation (n - 1) of
    # the repeats over sqrt(n); 0.0 with one repeat (no estimate) or for a
    # measure not computed.
    ntk_condition_number_sem: float = 0.0
    linear_regions_sem: float = 0.0
    # Every measure computed, by name in canonical order ("ntk", "lr", then
    # the zero-cost proxies); empty from a server without measure names.
    measures: Dict[str, MeasureValue] = dataclasses.field(
        default_factory=dict)
    proxy_batch_size: int = 0  # images per proxy batch; 0 without proxies

    @property
    def kappa(self) -> float:
        return self.ntk_condition_number

    @property
    def regions(self) -> float:
        return self.linear_regions

    @property
    def kappa_sem(self) -> float:
        return self.ntk_condition_number_sem

    @property
    def regions_sem(self) -> float:
        return self.linear_regions_sem

    @classmethod
    def from_proto(cls, r) -> "ScoreResult":
        return cls(
            arch=r.arch, space=r.space, dataset=r.dataset,
            ntk_condition_number=r.ntk_condition_number,
            linear_regions=r.linear_regions,
            repeats=[RepeatScore(x.repeat, x.ntk_condition_number,
                                 x.linear_regions) for x in r.repeats],
            timing=Timing(r.timing.queue_seconds, r.timing.ntk_seconds,
                          r.timing.linear_regions_seconds,
                          r.timing.total_seconds, r.timing.proxies_seconds),
            device=r.device, seed=r.seed, batch_size=r.batch_size,
            cached=r.cached,
            ntk_condition_number_sem=r.ntk_condition_number_sem,
            linear_regions_sem=r.linear_regions_sem,
            measures={m.name: MeasureValue(m.name, m.mean, m.sem,
                                           list(m.values))
                      for m in r.measures},
            proxy_batch_size=r.proxy_batch_size)


MeasuresLike = Union[str, Sequence[str]]


def _measure_names(measures: Optional[Sequence[str]]) -> List[bytes]:
    """Measure names as sent (UTF-8 bytes; see _text). None or []: the
    server's default (ntk and lr)."""
    if measures is None:
        return []
    if isinstance(measures, (str, bytes)):
        raise TypeError("measures must be a list of names, e.g. "
                        "[\"ntk\", \"nwot\"], got %r" % (measures,))
    return [_text(m) for m in measures]


ArchLike = Union[str, "scorer_pb2.Architecture"]


def _read_bytes(path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()


def _read_token(path: str) -> str:
    """The first line of `path` that is not blank or a # comment; of a
    `NAME TOKEN` line (the server's --auth-token-file format), the token."""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                return line.split()[-1]
    raise ValueError("auth_token_file %r holds no token" % path)


def _text(value: Union[str, bytes]) -> bytes:
    """A request's text field as sent: UTF-8 bytes. The request fields that
    carry text (architectures, dataset, search_id) are `bytes` in
    tenas.v1 (wire-compatible with `string`) so that the server, not the
    decoder, answers bad UTF-8 with INVALID_ARGUMENT naming the field."""
    return value.encode("utf-8") if isinstance(value, str) else value


def make_architecture(arch: ArchLike):
    """An Architecture message from an NB201 string ("|op~0|+|..."), a DARTS
    genotype text ("Genotype(normal=[...], ...)") or an Architecture."""
    if isinstance(arch, scorer_pb2.Architecture):
        return arch
    if not isinstance(arch, str):
        raise TypeError("architecture must be a str or tenas.v1.Architecture, "
                        "got %r" % type(arch).__name__)
    text = arch.strip()
    if text.startswith("Genotype("):
        return scorer_pb2.Architecture(darts_genotype_text=_text(text))
    return scorer_pb2.Architecture(nb201_arch=_text(text))


def message_to_dict(msg) -> Dict:
    """A protobuf message as a dict of native values: every scalar field
    (defaults included), set sub-messages only, the set member of a oneof
    only, enums by name, text sent as bytes (request fields) as str."""
    out = {}
    set_oneofs = {o.name: msg.WhichOneof(o.name)
                  for o in msg.DESCRIPTOR.oneofs}
    for f in msg.DESCRIPTOR.fields:
        if f.containing_oneof is not None and \
                set_oneofs.get(f.containing_oneof.name) != f.name:
            continue
        value = getattr(msg, f.name)
        repeated = f.label == f.LABEL_REPEATED
        if f.type == f.TYPE_MESSAGE:
            if repeated:
                out[f.name] = [message_to_dict(v) for v in value]
            elif msg.HasField(f.name):
                out[f.name] = message_to_dict(value)
        elif f.type == f.TYPE_ENUM:
            names = f.enum_type.values_by_number
            conv = lambda v: names[v].name if v in names else int(v)  # noqa
            out[f.name] = [conv(v) for v in value] if repeated else conv(value)
        elif f.type == f.TYPE_BYTES:
            conv = lambda v: v.decode("utf-8", "replace")  # noqa
            out[f.name] = [conv(v) for v in value] if repeated else conv(value)
        else:
            out[f.name] = list(value) if repeated else value
    return out


def event_to_dict(event) -> Dict:
    """A SearchEvent as one flat dict, as `tenas search --json` prints it:
    {"type": "candidate_scored", "search_id", "sequence", "seconds", ...}."""
    kind = event.WhichOneof("event") or "unknown"
    d = {"type": kind}
    if kind != "unknown":
        payload = message_to_dict(getattr(event, kind))
        if kind == "candidate_scored":
            # Flatten the candidate like the CLI does (edge, edge_key, op...).
            d.update(payload.pop("candidate", {}))
        d.update(payload)
        if kind == "result" and isinstance(d.get("mode"), str):
            # "faithful" / "robust", as the CLI prints it.
            d["mode"] = d["mode"][len("SEARCH_MODE_"):].lower()
    if kind != "result":
        d["seconds"] = event.seconds
    d["search_id"] = event.search_id
    d["sequence"] = event.sequence
    return d


def _state_name(state_number: int) -> str:
    name = scorer_pb2.SearchState.Name(state_number)
    return name[len("SEARCH_STATE_"):].lower()


def _search_info_to_dict(info) -> Dict:
    d = message_to_dict(info)
    d["state"] = _state_name(info.state)
    return d


class TenasClient:
    """A connection to one tenas-server target (or several behind a
    load-balanced channel: pass e.g. target="dns:///tenas-headless:50051"
    and options=[("grpc.lb_policy_name", "round_robin")]).

    timeout: default deadline in seconds of unary calls and of score_many
    (None: no deadline). search()/watch() have no deadline unless given one.

    Security (the CLI's flags of the same names): tls=True uses the system
    CAs, tls_ca a PEM CA file; tls_cert/tls_key a client certificate for
    mutual TLS; tls_server_name overrides the name checked in the server's
    certificate. auth_token (or auth_token_file) is sent as
    `authorization: Bearer <token>` with every call.
    """

    def __init__(self, target: str, timeout: Optional[float] = None,
                 options: Optional[Sequence[Tuple[str, object]]] = None,
                 channel: Optional[grpc.Channel] = None, *,
                 tls: bool = False, tls_ca: Optional[str] = None,
                 tls_cert: Optional[str] = None,
                 tls_key: Optional[str] = None,
                 tls_server_name: Optional[str] = None,
                 auth_token: Optional[str] = None,
                 auth_token_file: Optional[str] = None):
        self.target = target
        self.timeout = timeout
        opts = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        opts += list(options or [])
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("tls_cert and tls_key: give both or neither")
        token = auth_token
        if auth_token_file is not None:
            token = _read_token(auth_token_file)
        # Sent with every call (the CLI's --auth-token-file).
        self._metadata = ((("authorization", "Bearer " + token),)
                          if token else None)
        if channel is None and (tls or tls_ca or tls_cert):
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read_bytes(tls_ca),
                private_key=_read_bytes(tls_key),
                certificate_chain=_read_bytes(tls_cert))
            if tls_server_name:
                opts.append(("grpc.ssl_target_name_override", tls_server_name))
            channel = grpc.secure_channel(target, credentials, options=opts)
        self._channel = channel or grpc.insecure_channel(target, options=opts)
        self._stub = scorer_pb2_grpc.ArchitectureScorerStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "TenasClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _deadline(self, timeout):
        return self.timeout if timeout is None else timeout

    def _unary(self, method, request, timeout=None):
        try:
            return method(request, timeout=self._deadline(timeout),
                          metadata=self._metadata)
        except grpc.RpcError as e:
            raise errors.from_rpc_error(e) from None

    @staticmethod
    def _stream(call) -> Iterator:
        try:
            for item in call:
                yield item
        except grpc.RpcError as e:
            raise errors.from_rpc_error(e) from None
        finally:
            call.cancel()  # no-op once finished; frees it if abandoned

    # -- scoring -----------------------------------------------------------
    @staticmethod
    def _options(seed, repeats, batch_size, init, fp64, measures,
                 proxy_batch_size):
        if init not in _INIT:
            raise ValueError("init must be one of %s" % sorted(_INIT))
        if isinstance(measures, str):
            # The older choice between κ and R (ScoreOptions.measures).
            if measures not in _MEASURES:
                raise ValueError("measures must be a list of measure names "
                                 "or one of %s" % sorted(_MEASURES))
            return scorer_pb2.ScoreOptions(
                seed=seed, repeats=repeats, batch_size=batch_size,
                init=_INIT[init], fp64=fp64, measures=_MEASURES[measures],
                proxy_batch_size=proxy_batch_size)
        return scorer_pb2.ScoreOptions(
            seed=seed, repeats=repeats, batch_size=batch_size,
            init=_INIT[init], fp64=fp64,
            measure_names=_measure_names(measures),
            proxy_batch_size=proxy_batch_size)

    def score(self, arch: ArchLike, dataset: str = "cifar10", seed: int = 0,
              repeats: int = 3, batch_size: int = 0, init: str = "shipped",
              fp64: bool = False, measures: MeasuresLike = "both",
              proxy_batch_size: int = 0,
              timeout: Optional[float] = None) -> ScoreResult:
        """The measures of one architecture (ScoreArchitecture): κ and R
        by default. batch_size 0: the server's default for the space (72 for
        NB201). measures: a list of names, any of info()["measures"] ("ntk",
        "lr", "params", "flops", "synflow", "snip", "grasp", "fisher",
        "grad_norm", "l2_norm", "plain", "jacov", "nwot", "epe_nas", "zen",
        "zico") or ["all"]; the result's .measures holds each one's mean,
        sem and per-repeat values. (The strings "both", "ntk" and
        "linear_regions" are the older choice between κ and R.)
        proxy_batch_size 0: the server's default (32). An unknown name is
        InvalidArgumentError naming options.measure_names."""
        req = scorer_pb2.ScoreArchitectureRequest(
            architecture=make_architecture(arch), dataset=_text(dataset),
            options=self._options(seed, repeats, batch_size, init, fp64,
                                  measures, proxy_batch_size))
        return ScoreResult.from_proto(
            self._unary(self._stub.ScoreArchitecture, req, timeout))

    def score_many(self, archs: Sequence[ArchLike], dataset: str = "cifar10",
                   seed: int = 0, repeats: int = 3, batch_size: int = 0,
                   init: str = "shipped", fp64: bool = False,
                   measures: MeasuresLike = "both",
                   proxy_batch_size: int = 0,
                   timeout: Optional[float] = None
                   ) -> Iterator[Tuple[int, Union[ScoreResult,
                                                  errors.TenasError]]]:
        """Scores many architectures in one ScoreArchitectures call; yields
        (index into archs, ScoreResult or TenasError) in completion order.
        A malformed architecture is its item's InvalidArgumentError (the
        field is architectures[i]); a failure of the whole call (options,
        dataset, count) raises instead. measures and proxy_batch_size as in
        score()."""
        req = scorer_pb2.ScoreArchitecturesRequest(
            architectures=[make_architecture(a) for a in archs],
            dataset=_text(dataset),
            options=self._options(seed, repeats, batch_size, init, fp64,
                                  measures, proxy_batch_size))
        call = self._stub.ScoreArchitectures(req,
                                             timeout=self._deadline(timeout),
                                             metadata=self._metadata)
        for item in self._stream(call):
            if item.WhichOneof("outcome") == "result":
                yield item.index, ScoreResult.from_proto(item.result)
            else:
                yield item.index, errors.error_for(item.error.code,
                                                   item.error.message)

    # -- searches ----------------------------------------------------------
    def search(self, space: str = "nb201", dataset: str = "cifar10",
               seed: int = 0, repeats: int = 0, batch_size: int = 0,
               prune_number: int = 0, init: Optional[str] = None,
               fp64: bool = False, fix_stale_origin: bool = False,
               mode: str = "faithful",
               measures: Optional[Sequence[str]] = None,
               proxy_batch_size: int = 0,
               timeout: Optional[float] = None) -> Iterator[Dict]:
        """Starts a TE-NAS search (RunSearch) and yields its events as dicts;
        the last has type "result" (with its "mode" and "repeats"). 0 means
        the server's default. mode: "faithful" (the original code's draws)
        or "robust" (common weights and batches per repeat; docs/ALGORITHM.md
        §5.6). init None: the mode's default ("shipped" when faithful,
        "paper" when robust). measures: the measures whose rank sum prunes
        (names as in score(); None: ["ntk", "lr"]); each candidate_scored
        event then lists its zero-cost proxies under "proxies" (measure,
        delta, and per repeat origin, candidate and deltas). The search goes
        on if the generator is abandoned: watch() re-attaches."""
        if space not in _SPACES:
            raise ValueError("space must be one of %s" % sorted(_SPACES))
        if mode not in _MODES:
            raise ValueError("mode must be one of %s" % sorted(_MODES))
        if init is not None and init not in _INIT:
            raise ValueError("init must be one of %s" % sorted(_INIT))
        req = scorer_pb2.RunSearchRequest(
            space=_SPACES[space], dataset=_text(dataset), seed=seed,
            repeats=repeats, batch_size=batch_size, prune_number=prune_number,
            fp64=fp64, fix_stale_origin=fix_stale_origin, mode=_MODES[mode],
            measures=_measure_names(measures),
            proxy_batch_size=proxy_batch_size)
        if init is not None:
            req.init = _INIT[init]
        call = self._stub.RunSearch(req, timeout=timeout,
                                    metadata=self._metadata)
        for event in self._stream(call):
            yield event_to_dict(event)

    def watch(self, search_id: str, from_sequence: int = 0,
              timeout: Optional[float] = None) -> Iterator[Dict]:
        """Replays a search's events from from_sequence, then follows it
        live (WatchSearch). Unknown id: NotFoundError."""
        req = scorer_pb2.WatchSearchRequest(search_id=_text(search_id),
                                            from_sequence=from_sequence)
        call = self._stub.WatchSearch(req, timeout=timeout,
                                      metadata=self._metadata)
        for event in self._stream(call):
            yield event_to_dict(event)

    def cancel(self, search_id: str, timeout: Optional[float] = None) -> str:
        """Requests cancellation; returns the state it leads to:
        "cancelling" for a search still running (it stops within one
        evaluation; its slot of --max-searches-per-client is free at once),
        else the finished state ("succeeded", "failed", "cancelled")."""
        resp = self._unary(self._stub.CancelSearch,
                           scorer_pb2.CancelSearchRequest(
                               search_id=_text(search_id)),
                           timeout)
        return _state_name(resp.state)

    def get_search(self, search_id: str,
                   timeout: Optional[float] = None) -> Dict:
        resp = self._unary(self._stub.GetSearch,
                           scorer_pb2.GetSearchRequest(
                               search_id=_text(search_id)),
                           timeout)
        return _search_info_to_dict(resp.search)

    def list_searches(self, timeout: Optional[float] = None) -> List[Dict]:
        resp = self._unary(self._stub.ListSearches,
                           scorer_pb2.ListSearchesRequest(), timeout)
        return [_search_info_to_dict(s) for s in resp.searches]

    # -- server ------------------------------------------------------------
    def info(self, timeout: Optional[float] = None) -> Dict:
        """GetServerInfo as a dict (version, torch_version, device, datasets,
        queue_depth, queue_capacity, workers, measures: every measure name
        the server computes, ...)."""
        return message_to_dict(self._unary(
            self._stub.GetServerInfo, scorer_pb2.GetServerInfoRequest(),
            timeout))

    def health(self, service: str = READY_SERVICE,
               timeout: Optional[float] = None) -> str:
        """grpc.health.v1 status name: "SERVING", "NOT_SERVING", ...
        service "" is liveness, READY_SERVICE readiness."""
        resp = self._unary(self._health.Check,
                           health_pb2.HealthCheckRequest(service=service),
                           timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)

    def wait_until_ready(self, timeout: float = 60.0,
                         service: str = READY_SERVICE) -> None:
        """Polls Health/Check until SERVING; raises UnavailableError when
        timeout seconds pass first."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                if self.health(service, timeout=5) == "SERVING":
                    return
            except errors.TenasError as e:
                last = e
            if time.monotonic() >= deadline:
                raise errors.UnavailableError(
                    grpc.StatusCode.UNAVAILABLE,
                    "%s not SERVING after %.0f s (%s)" % (self.target, timeout,
                                                          last))
            time.sleep(0.2)
