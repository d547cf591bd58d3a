"""Building a ready App from config: store, roster, content library, transport."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from pathlib import Path

from bot.app import App
from bot.clock import Clock
from bot.config import Config, ConfigError, SenderSection
from bot.domain.model import Content, Org
from bot.formats.content import content_folder, load_library
from bot.formats.orgfile import load_org
from bot.store import Store, open_store
from bot.transport import Simulator, Transport, connect, simulate, simulator_of
from bot.transport.bound import BoundTransport

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Simulated runs (demo, replay) keep pacing on but quick, so transcripts show real order.
FAST_SENDER = SenderSection(
    per_minute=600, burst=30, group_gap_seconds=1.0, jitter_seconds=0.5, retry_seconds=5.0
)


@dataclass
class Runtime:
    """An app on its transport and, on a simulated network, the simulator of its other side."""

    app: App
    store: Store
    transport: Transport
    simulator: Simulator | None


def library_for(config: Config) -> list[Content]:
    """The content library, or an empty one if the folder does not exist."""
    folder = content_folder(config)
    return load_library(folder) if folder.exists() else []


ORG_FILE_DIGEST = "org_file_digest"


def import_org_file(store: Store, path: Path, clock: Clock) -> Org | None:
    """Import the org file at start-up only when the file itself changed since it was last
    imported: a roster uploaded or restored in the dashboard must survive a restart.
    Returns the roster when it was imported as a new version."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if store.roster_version() > 0 and store.get_meta(ORG_FILE_DIGEST) == digest:
        return None
    org = load_org(path)
    imported = App.import_roster(store, org, clock.now(), str(path))
    store.set_meta(ORG_FILE_DIGEST, digest)
    return org if imported else None


def reads_back_same(org: Org) -> bool:
    """Whether the store would read this roster back unchanged: it lists each member's
    groups in roster order (the order a stored roster reads them back in)."""
    order = {g.id: i for i, g in enumerate(org.groups)}
    for m in org.members:
        groups = m.groups
        if len(groups) == 1:  # most households: nothing to order
            if groups[0] not in order:
                return False
            continue
        ranks = [order.get(g, -1) for g in groups]
        if -1 in ranks or ranks != sorted(ranks):
            return False
    return True


def org_path_for(config: Config) -> Path:
    """The configured org file (falling back to the shipped sample)."""
    path = config.path(config.bot.org)
    if not path.exists() and config.bot.org == "examples/town.toml":
        return PROJECT_ROOT / "examples" / "town.toml"
    if not path.exists():
        raise ConfigError([f"{config.source}：配置项 bot.org 指向的组织文件 {path} 不存在"])
    return path


def build(
    config: Config,
    clock: Clock,
    *,
    org: Org | None = None,
    transport: Transport | None = None,
    rng: random.Random | None = None,
    fast: bool = False,
    live: bool = False,
) -> Runtime:
    """Open the store, import the roster if it changed, and wire an App on a transport.

    Without `transport`, the app runs on a simulated network, or with `live` (the `run`
    command) on the one the config names.
    """
    if fast:
        config = replace(config, sender=FAST_SENDER)
    store = open_store(config.store_target, config.tz)
    if org is not None:
        fresh = org if App.import_roster(store, org, clock.now(), "内置") else None
    else:
        fresh = import_org_file(store, org_path_for(config), clock)
    # The roster just stored is the app's own (not a second copy read back) when reading it
    # back would give the same; a county's roster is ≈100 MB.
    current = fresh if fresh is not None and reads_back_same(fresh) else store.load_org()
    assert current is not None
    if transport is not None:
        simulator = simulator_of(transport)
    elif live:
        transport, simulator = connect(config, current, clock)
    else:
        transport, simulator = simulate(current, clock, config.bot.name)
    if simulator is None:
        # Real networks have their own ids: the app sees roster ids through the binding.
        transport = BoundTransport(transport, store, lambda: app.org, clock)
    # The roster just read is the app's: loading it a second time doubled peak memory.
    app = App(config, store, transport, clock, library_for(config), rng=rng, org=current)
    return Runtime(app=app, store=store, transport=transport, simulator=simulator)
