"""Bar charts of the account drawn on the server as SVG (no JavaScript): one pair of bars per
row, this year and the previous year. A hidden cell draws no bar, only its mark ("< k" or
"–"), so a chart never shows more than the table beside it. Built with ElementTree, so the
markup is well-formed XML with every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 640
LABEL_WIDTH = 230
BAR_HEIGHT = 11
ROW_GAP = 10
CURRENT_COLOUR = "#1f4e79"
PREVIOUS_COLOUR = "#9db7cf"


@dataclass(frozen=True)
class Bar:
    label: str
    current: int | None
    current_mark: str
    previous: int | None
    previous_mark: str


def bar_chart(title: str, bars: Sequence[Bar], *, current_label: str,
              previous_label: str) -> str:
    """An accessible SVG bar chart (role img, a title) as a string."""
    rows = len(bars)
    height = 40 + rows * (2 * BAR_HEIGHT + ROW_GAP)
    svg = ET.Element("svg", {"xmlns": SVG_NS, "width": str(WIDTH), "height": str(height),
                             "viewBox": f"0 0 {WIDTH} {height}", "role": "img",
                             "class": "chart"})
    ET.SubElement(svg, "title").text = title
    scale_max = max([bar.current or 0 for bar in bars] + [bar.previous or 0 for bar in bars]
                    + [1])
    room = WIDTH - LABEL_WIDTH - 60
    legend = ET.SubElement(svg, "g", {"font-size": "11", "font-family": "sans-serif"})
    for index, (text, colour) in enumerate(((current_label, CURRENT_COLOUR),
                                            (previous_label, PREVIOUS_COLOUR))):
        x = LABEL_WIDTH + index * 120
        ET.SubElement(legend, "rect", {"x": str(x), "y": "6", "width": "10", "height": "10",
                                       "fill": colour})
        ET.SubElement(legend, "text", {"x": str(x + 14), "y": "15"}).text = text
    y = 30
    for bar in bars:
        group = ET.SubElement(svg, "g", {"font-size": "11", "font-family": "sans-serif"})
        ET.SubElement(group, "text", {"x": "0", "y": str(y + BAR_HEIGHT + 3)}).text = (
            bar.label if len(bar.label) <= 38 else bar.label[:37] + "…")
        for offset, value, mark, colour in ((0, bar.current, bar.current_mark, CURRENT_COLOUR),
                                            (BAR_HEIGHT, bar.previous, bar.previous_mark,
                                             PREVIOUS_COLOUR)):
            top = y + offset
            length = 0 if value is None else round(room * value / scale_max)
            if length:
                ET.SubElement(group, "rect", {"x": str(LABEL_WIDTH), "y": str(top),
                                              "width": str(length),
                                              "height": str(BAR_HEIGHT - 1), "fill": colour})
            ET.SubElement(group, "text", {"x": str(LABEL_WIDTH + length + 4),
                                          "y": str(top + BAR_HEIGHT - 2)}).text = mark
        y += 2 * BAR_HEIGHT + ROW_GAP
    return ET.tostring(svg, encoding="unicode")
