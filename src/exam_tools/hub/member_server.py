"""A Jupyter server extension for members' servers only: a page costs its server less.

- **Templates compiled once per server.** Voilà renders every page with a new nbconvert exporter,
  and each exporter makes a new Jinja environment, so every page compiled Voilà's templates again:
  about 0.27 CPU-s of the ~0.66 a member's server spent on a page (py-spy, 2026-12-06). The
  environments share one in-memory bytecode cache (:class:`TemplateCache`); a template whose source
  changed is compiled again (Jinja checks the source's checksum). When the server starts (before
  the sitting when servers are prestarted) the landing notebook is rendered once without a kernel
  (:func:`warm_templates`: its cells are not run), so the member's first page finds every template
  compiled.
- **The page's config worked out once per server.** For every page Voilà lists the JupyterLab
  extensions on disk again (a walk over the labextensions folders, reading each package.json:
  3.7 ms of CPU a page here, and ~30 % of the request's samples in a py-spy of a prestarted
  login storm, 2026-12-06, where the disk's cache was cold). The list cannot change while the
  server runs (extensions are installed in the hub's venv, and a new one needs a new server
  anyway); :func:`install_page_config_cache` keeps it, and each page gets its own copy
  (deploy/hub-notes.md 26).
- **A page leaves in a few writes, not one per snippet.** Voilà writes and flushes every piece
  its Jinja template yields (57 for 我的学习 before its cell has run, most under 50 bytes): each
  flush is a chunk the server frames and sends, the hub's proxy relays and the phone reads.
  :func:`install_coalesced_flush` flushes what was written at most every :data:`FLUSH_AFTER`
  seconds, and at the end; a page waiting for its kernel still shows what came before within
  that time.
- **A kernel waits for the first page** (:class:`exam_tools.hub.kernels.MemberKernelManager`'s
  ``warm_kernel``): started here, once the server's loop runs.

Enabled by ``ServerApp.jpserver_extensions`` in :func:`exam_tools.hub.files.member_server_config`;
imported in the member's server, in the hub's venv.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

__all__ = [
    "FLUSH_AFTER",
    "TemplateCache",
    "install_coalesced_flush",
    "install_page_config_cache",
    "install_template_cache",
    "stream_page",
    "warm_templates",
]

#: Seconds between a page's first unsent write and its flush: invisible on a phone, long enough
#: for everything the template yields without waiting for the kernel to leave in one write.
FLUSH_AFTER = 0.02


class TemplateCache(BytecodeCache):
    """Compiled templates kept in memory, shared by every Jinja environment of the process. The key
    holds what changes the compiled code besides the source (async or not, the extensions)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Bucket:
        flavour = f"{environment.is_async}|{','.join(sorted(environment.extensions))}|{name}"
        bucket = Bucket(environment, self.get_cache_key(flavour, filename),
                        self.get_source_checksum(source))  # fmt: skip
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


def install_template_cache(log: Any = None) -> TemplateCache | None:
    """Give every nbconvert template environment made from now on the process's cache; the cache,
    or None where nbconvert no longer has the method this wraps (pages then compile as before)."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = getattr(TemplateExporter, "_create_environment", None)
    if create is None:
        if log is not None:
            log.warning("nbconvert has no TemplateExporter._create_environment: no template cache")
        return None
    cache = getattr(create, "template_cache", None)
    if isinstance(cache, TemplateCache):
        return cache
    cache = TemplateCache()

    def _create_environment(self: Any) -> Any:
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    _create_environment.template_cache = cache  # type: ignore[attr-defined]  # found again above
    TemplateExporter._create_environment = _create_environment  # type: ignore[method-assign]  # the one patch, found again above
    return cache


def install_page_config_cache(log: Any = None) -> dict[str, Any] | None:
    """Make Voilà's page handler work out a page's config once per base URL (one per server) and
    hand each page a deep copy; the cache, or None where Voilà no longer has the function this
    wraps (pages then work it out each time, as before)."""
    import voila.handler  # type: ignore[import-untyped]  # no py.typed

    original = getattr(voila.handler, "get_page_config", None)
    if original is None:
        if log is not None:
            log.warning("voila.handler has no get_page_config: the page's config is not kept")
        return None
    cache = getattr(original, "page_configs", None)
    if isinstance(cache, dict):
        return cache
    configs: dict[str, Any] = {}

    def get_page_config(base_url: str, **kwargs: Any) -> Any:
        if base_url not in configs:
            configs[base_url] = original(base_url=base_url, **kwargs)
        return copy.deepcopy(configs[base_url])

    get_page_config.page_configs = configs  # type: ignore[attr-defined]  # found again above
    voila.handler.get_page_config = get_page_config  # the one patch, found again above
    return configs


async def stream_page(handler: Any, snippets: AsyncIterator[str],
                      flush_after: float = FLUSH_AFTER) -> None:  # fmt: skip
    """Write each snippet to the Tornado ``handler`` and flush what is written ``flush_after``
    seconds after the first write not yet flushed (Tornado flushes the rest when the handler
    finishes). What Voilà's page handler does, with one flush per stretch, not per snippet."""
    loop = asyncio.get_running_loop()
    pending: asyncio.TimerHandle | None = None

    def flush() -> None:
        nonlocal pending
        pending = None
        if not handler._finished:  # Tornado's flag: a flush after finish() raises
            handler.flush()

    try:
        async for html in snippets:
            handler.write(html)
            if pending is None:
                pending = loop.call_later(flush_after, flush)
    finally:
        if pending is not None:
            pending.cancel()


def install_coalesced_flush(log: Any = None) -> bool:
    """Make Voilà's page handler write pages through :func:`stream_page`; False where Voilà no
    longer has the handler this replaces the ``get`` of (pages then flush each snippet)."""
    import voila.tornado.handler  # type: ignore[import-untyped]  # no py.typed
    from tornado.web import authenticated

    page_handler = getattr(voila.tornado.handler, "TornadoVoilaHandler", None)
    if page_handler is None or not hasattr(page_handler, "get_generator"):
        if log is not None:
            log.warning("voila has no TornadoVoilaHandler.get_generator: pages flush each snippet")
        return False
    if getattr(page_handler.get, "coalesced", False):
        return True

    @authenticated  # as Voilà's own get
    async def get(self: Any, path: str | None = None) -> None:
        await stream_page(self, self.get_generator(path=path))

    get.coalesced = True  # type: ignore[attr-defined]  # found again above
    page_handler.get = get  # the one patch, found again above
    return True


async def warm_templates(server_app: Any, notebook: str, cache: TemplateCache) -> int:
    """Render ``notebook`` (a path from the server's root) through Voilà's exporter and template,
    as a page would be, without a kernel: no cell runs, nothing is sent anywhere; the templates it
    uses end up compiled in ``cache``. Returns how many templates are compiled. A failure is
    logged and costs nothing but the warm-up (a page then compiles what it needs)."""
    import nbformat
    import voila.handler  # (untyped: ignored at its first import, above)
    from voila.configuration import VoilaConfiguration  # type: ignore[import-untyped]  # no py.typed
    from voila.exporter import VoilaExporter  # type: ignore[import-untyped]  # no py.typed
    from voila.paths import collect_template_paths  # type: ignore[import-untyped]  # no py.typed

    try:
        config = VoilaConfiguration(parent=server_app)
        paths = collect_template_paths(["voila", "nbconvert"], config.template)
        nb = nbformat.read(Path(server_app.root_dir) / notebook, as_version=4)  # type: ignore[no-untyped-call]  # nbformat's read is untyped
        exporter = VoilaExporter(template_paths=paths, template_name=config.template,
                                 config=server_app.config, base_url=server_app.base_url,
                                 contents_manager=server_app.contents_manager, theme=config.theme,
                                 show_margins=config.show_margins)  # fmt: skip

        async def kernel_start(nb: Any) -> str:
            return ""

        async def notebook_execute(nb: Any, kernel_id: str) -> None:
            return None

        async def cells(nb: Any, kernel_id: str) -> Any:
            for cell in nb.cells:
                yield cell

        context = {"frontend": "voila", "main_js": "voila.js", "kernel_start": kernel_start,
                   "notebook_execute": notebook_execute, "cell_generator": cells,
                   "progressive_rendering": False}  # fmt: skip
        resources = {"base_url": server_app.base_url, "theme": config.theme,
                     "template": config.template, "metadata": {"name": "warm-up"},
                     "page_config": {}}  # fmt: skip
        async for _ in exporter.generate_from_notebook_node(nb, resources=resources,
                                                            extra_context=context):  # fmt: skip
            pass
        # the page's config too, where install_page_config_cache keeps it
        voila.handler.get_page_config(base_url=server_app.base_url,
                                      settings=server_app.web_app.settings, log=server_app.log,
                                      voila_configuration=config)  # fmt: skip
    except Exception as exc:  # a warm-up only: the page renders as before
        server_app.log.warning("Page not prepared ahead of the first page: %s", exc)
    server_app.log.info("%d page templates compiled ahead of the first page.", len(cache))
    return len(cache)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "exam_tools.hub.member_server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from exam_tools.hub.kernels import MemberKernelManager

    cache = install_template_cache(server_app.log)
    install_page_config_cache(server_app.log)
    install_coalesced_flush(server_app.log)
    manager = server_app.kernel_manager
    if isinstance(manager, MemberKernelManager):
        server_app.io_loop.add_callback(manager.start_waiting)
        if cache is not None and manager.warm_notebook:
            server_app.io_loop.add_callback(warm_templates, server_app, manager.warm_notebook,
                                            cache)  # fmt: skip
