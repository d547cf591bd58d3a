"""Drawing bulletin charts as PNG files with matplotlib (Agg, no display needed).

matplotlib's default font list has no Chinese font, and a stale font cache can hide one
that was installed later, so a CJK family is looked up explicitly (cache first, then the
system font files). Without any, charts are skipped: the text bulletin still goes out and
one warning says which package to install.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from bot.domain.bulletin import ChartSpec

log = logging.getLogger("bot.chart")

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK JP",
)
# Font files worth registering when the cache does not know them yet.
_CJK_FILE = re.compile(
    r"wqy|wenquan|notosanscjk|notosanssc|sourcehan|droidsansfallback|simhei|msyh|pingfang", re.I
)

SERIES_COLOURS = ("#2f6db5", "#49a078", "#e0a030")
FLAG_COLOUR = "#c0392b"


def find_cjk_family() -> str | None:
    """A font family that can draw Chinese, or None."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    family = known()
    if family is not None:
        return family
    for path in font_manager.findSystemFonts():
        if _CJK_FILE.search(Path(path).name.replace("-", "").replace("_", "")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()


class ChartRenderer:
    """Renders ChartSpecs to PNG; finds the font once and warns at most once."""

    def __init__(self) -> None:
        self._family: str | None = None
        self._looked = False
        self._warned = False

    @property
    def family(self) -> str | None:
        """The CJK font family in use (None when the machine has none)."""
        if not self._looked:
            self._family = find_cjk_family()
            self._looked = True
        return self._family

    def render(self, spec: ChartSpec, path: Path) -> Path | None:
        """Draw `spec` into `path` (PNG); None, after one warning, without a Chinese font."""
        family = self.family
        if family is None:
            if not self._warned:
                log.warning(
                    "未找到中文字体（如 fonts-wqy-microhei 或 fonts-noto-cjk），"
                    "通报只发文字、不附图表；安装字体后重启即可"
                )
                self._warned = True
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        _draw(spec, family, path)
        return path


def bar_labels(values: tuple[float | None, ...], decimals: int = 0) -> list[str]:
    """The number printed at each bar; "—" where the bot cannot see the metric."""
    return ["—" if v is None else f"{v:.{decimals}f}" for v in values]


def axis_limit(spec: ChartSpec) -> float:
    """Where the value axis ends: 110 for percentages (room for the labels), else the largest
    value plus room for its label (1 when every value is zero or unknown)."""
    if spec.percent:
        return 110
    largest = max((v for _, values in spec.series for v in values if v is not None), default=0)
    return largest * 1.15 if largest > 0 else 1


def _draw(spec: ChartSpec, family: str, path: Path) -> None:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(1, len(spec.labels))
    bars = len(spec.series)
    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
        }
    ):
        fig = Figure(figsize=(8.0, 1.6 + rows * (0.28 + 0.14 * bars)), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        height = 0.8 / max(1, bars)
        positions = list(range(rows))
        for i, (name, values) in enumerate(spec.series):
            offsets = [p + (i - (bars - 1) / 2) * height for p in positions]
            colours = [
                FLAG_COLOUR if label in spec.flagged else SERIES_COLOURS[i % len(SERIES_COLOURS)]
                for label in spec.labels
            ]
            widths = [0.0 if v is None else v for v in values]
            drawn = ax.barh(offsets, widths, height=height, color=colours, label=name)
            labels = bar_labels(values, spec.decimals)
            ax.bar_label(drawn, labels=labels, fontsize=7, padding=2)
        note = f"（{spec.flag_note}）" if spec.flag_note else ""
        ax.set_yticks(
            positions,
            labels=[f"{x}{note}" if x in spec.flagged else x for x in spec.labels],
        )
        for tick, label in zip(ax.get_yticklabels(), spec.labels, strict=True):
            if label in spec.flagged:
                tick.set_color(FLAG_COLOUR)
        ax.invert_yaxis()
        ax.set_xlim(0, axis_limit(spec))
        ax.set_title(spec.title)
        ax.grid(axis="x", alpha=0.3)
        if bars > 1:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=bars, frameon=False)
        else:
            ax.set_xlabel(spec.series[0][0] if spec.series else "")
        fig.tight_layout()
        fig.savefig(path, format="png", metadata={"Software": None})
