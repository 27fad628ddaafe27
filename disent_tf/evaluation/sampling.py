"""The study's point sampler, and the code cache that makes it fast.

Metrics draw factors (and, through the data set, observations) from the
metric's RandomState in exactly the order of the study's code; they ask a
`CodeSampler` for codes in two steps: `observe(factors, rng)` records a batch
of factor rows (consuming the rng as `sample_observations_from_factors`
would), and `codes(ticket)` returns its codes. Between the two the sampler is
free to encode in large batches:

* `cache=False` reproduces the original protocol: every batch is rendered and
  encoded at once, a few images at a time.
* For a deterministic data set (observations a function of the factors) the
  encoder's parameters are cached by grid index: rows not seen yet are
  rendered and encoded in large batches when codes are asked for, and every
  image is encoded at most once per run. Rendering such a data set consumes no
  randomness (checked on construction), so skipping it leaves the rng stream
  unchanged.
* Otherwise observations are rendered in order (they consume the rng) and
  encoded in large batches.

Codes are identical in all three modes: the encoder is deterministic, the
sampled representation's noise is drawn when codes are handed out, in ticket
order, from a Generator reset per metric (`start_metric`).
"""

import time

import numpy as np

from disent_tf.evaluation import representation as representation_lib

STUDY_BATCH_SIZE = 16


class Ticket:
    """A batch of observed factor rows whose codes are not handed out yet."""

    __slots__ = ("indices", "observations", "params")

    def __init__(self, indices=None, observations=None, params=None):
        self.indices = indices
        self.observations = observations
        self.params = params


class CodeSampler:
    """Codes of factor rows of `data` under `encoder` and representation `kind`."""

    def __init__(self, data, encoder, kind="mean", cache=True, encode_batch_size=4096):
        encoder.check_kind(kind)
        self.data = data
        self.encoder = encoder
        self.kind = kind
        self.encode_batch_size = int(encode_batch_size)
        self.noise_rng = np.random.default_rng(0)
        self._pending = []
        self._grid = _GridTable()
        if isinstance(encoder, representation_lib.CodeTable):
            encoder.check_size(data)
            self._grid.table = encoder.table
            self.mode = "table"
        elif cache and encoder.deterministic and data.deterministic and _renders_without_rng(data):
            self.mode = "cache"
        elif cache:
            self.mode = "batched"
        else:
            self.mode = "immediate"

    def with_kind(self, kind):
        """A sampler of another representation kind sharing this one's encoder and cache."""
        other = CodeSampler.__new__(CodeSampler)
        other.__dict__.update(self.__dict__)
        self.encoder.check_kind(kind)
        other.kind = kind
        other._pending = []
        return other

    def start_metric(self, seed):
        """Resets the noise of the sampled representation for a metric run with `seed`."""
        self.noise_rng = np.random.default_rng(seed)

    @property
    def images_encoded(self):
        return self.encoder.images_encoded

    @property
    def images_rendered(self):
        return self._grid.images_rendered

    def stages(self):
        """Images rendered and encoded so far and the seconds each took (shared by samplers of one cache)."""
        return {"images_rendered": self._grid.images_rendered, "render_seconds": self._grid.render_seconds,
                "images_encoded": self.encoder.images_encoded, "encode_seconds": self.encoder.encode_seconds}

    def observe(self, factors, rng):
        """Records factor rows; consumes `rng` exactly as rendering them would."""
        if self.mode in ("cache", "table"):
            return self._remember(Ticket(indices=self.data.index(factors)))
        observations = self._rendered(lambda: self.data.sample_observations_from_factors(factors, rng))
        if self.mode == "immediate":
            return Ticket(params=self.encoder.encode(observations))
        ticket = self._remember(Ticket(observations=observations))
        if sum(len(t.observations) for t in self._pending) >= self.encode_batch_size:
            self._flush()
        return ticket

    def codes(self, ticket):
        """Codes (n, num_codes) of a ticket; call in the order the tickets were observed."""
        if ticket.params is None:
            self._flush()
        return self.encoder.codes(ticket.params, self.kind, self.noise_rng)

    def encode_grid(self):
        """Encodes the whole factor grid up front (cache mode), in grid order."""
        if self.mode != "cache":
            return
        self._ensure_table()
        self._encode_indices(np.flatnonzero(~self._grid.known))

    def _remember(self, ticket):
        self._pending.append(ticket)
        return ticket

    def _flush(self):
        pending, self._pending = self._pending, []
        if self.mode == "batched":
            observations = np.concatenate([t.observations for t in pending], axis=0)
            params = self.encoder.encode(observations)
            start = 0
            for ticket in pending:
                ticket.params = params[start:start + len(ticket.observations)]
                ticket.observations = None
                start += len(ticket.params)
            return
        if self.mode == "cache":
            self._ensure_table()
            wanted = np.concatenate([t.indices for t in pending])
            # Most drawn indices are known after the first metrics: drop them before the (costlier) unique.
            self._encode_indices(np.unique(wanted[~self._grid.known[wanted]]))
        for ticket in pending:
            ticket.params = self._grid.table[ticket.indices]

    def _rendered(self, render):
        """render() (observations), counted and timed."""
        tic = time.perf_counter()
        observations = render()
        self._grid.render_seconds += time.perf_counter() - tic
        self._grid.images_rendered += len(observations)
        return observations

    def _ensure_table(self):
        if self._grid.known is None:
            self._grid.known = np.zeros(self.data.num_observations, dtype=bool)

    def _encode_indices(self, indices):
        grid = self._grid
        for start in range(0, len(indices), self.encode_batch_size):
            chunk = indices[start:start + self.encode_batch_size]
            observations = self._rendered(lambda: self.data.observations_at(chunk))
            params = self.encoder.encode(observations)
            if grid.table is None:
                grid.table = np.empty((self.data.num_observations, params.shape[1]), dtype=params.dtype)
            grid.table[chunk] = params
            grid.known[chunk] = True


class _GridTable:
    """Parameters by grid index, shared by the samplers of one encoder (mean and sampled)."""

    def __init__(self):
        self.table = None
        self.known = None
        self.images_rendered = 0
        self.render_seconds = 0.0


def _renders_without_rng(data):
    """True when rendering `data` leaves a RandomState untouched (the cache relies on it)."""
    rng = np.random.RandomState(20190521)
    before = rng.get_state()
    data.sample_observations_from_factors(data.factors_of(np.array([0])), rng)
    after = rng.get_state()
    return before[2] == after[2] and np.array_equal(before[1], after[1]) and before[3:] == after[3:]


def as_sampler(data, representation_fn):
    """A CodeSampler for a metric: given as is, or wrapping a plain callable uncached."""
    if isinstance(representation_fn, CodeSampler):
        return representation_fn
    encoder = representation_lib.FunctionEncoder(representation_fn, batch_size=1 << 30, deterministic=False)
    return CodeSampler(data, encoder, "mean", cache=False)


def generate_batch_factor_code(sampler, num_points, rng, batch_size=STUDY_BATCH_SIZE):
    """Codes (num_codes, num_points) and factors (num_factors, num_points) of random grid points.

    Draws `batch_size` points at a time from `rng` like the study's
    `generate_batch_factor_code`: factors, then their observations.
    """
    factors, tickets = [], []
    for start in range(0, num_points, batch_size):
        batch = sampler.data.sample_factors(min(batch_size, num_points - start), rng)
        factors.append(batch)
        tickets.append(sampler.observe(batch, rng))
    codes = [sampler.codes(ticket) for ticket in tickets]
    return np.transpose(np.concatenate(codes, axis=0)), np.transpose(np.concatenate(factors, axis=0))


def random_index(rng, high):
    """One integer uniform in [0, high): `randint(high)` of a RandomState, as the study drew it."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(high))
    return int(rng.randint(high))
