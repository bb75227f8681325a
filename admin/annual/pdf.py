"""The account's figures as PDF (issue 13 §6), with fpdf2: pure Python, no browser at run time.
Same content as the HTML page: a cover with the scope and the small-count note, then one page
per section with its tables and the same SVG charts. Every cell is the protected one.

Text needs a Unicode font for the marks ("–", "“") and the Nordic letters: DejaVu Sans when the
system has it (Debian: fonts-dejavu-core), otherwise the PDF core font with the few characters
outside Latin-1 replaced."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from flask_babel import force_locale, gettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from admin.annual.figures import AccountFigures
from admin.annual.labels import section_label, table_label
from admin.annual.outputs import (
    LabelledTable,
    _company_names,
    charts,
    labelled,
    publication_statement,
)
from config import Settings

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_LATIN1 = str.maketrans({"–": "-", "“": '"', "”": '"', "…": "...", "’": "'", "«": '"',
                         "»": '"', "„": '"'})


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.unicode = False
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.add_font("Body", "", str(regular))
                self.add_font("Body", "B", str(bold))
                self.unicode = True
                break
        self.family = "Body" if self.unicode else "helvetica"
        self.set_auto_page_break(auto=True, margin=15)

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 6, self.text_of(f"{self.footer_text} · {self.page_no()}"), align="C")


def _table(pdf: _Pdf, figures: AccountFigures, item: LabelledTable, group_note: str | None,
           svg: str | None) -> None:
    pdf.set_font(pdf.family, "B", 11)
    pdf.multi_cell(0, 6, pdf.text_of(item.label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9)
    if group_note:
        pdf.multi_cell(0, 5, pdf.text_of(group_note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    k = figures.k
    with pdf.table(col_widths=(90, 25, 25, 25), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=5, first_row_as_headings=True) as table:
        head = table.row()
        for text in (gettext("Figure"), str(figures.year), str(figures.previous_year),
                     gettext("Change")):
            head.cell(pdf.text_of(str(text)))
        for labelled_row in item.rows:
            row = table.row()
            change = labelled_row.row.change
            for text in (labelled_row.label, labelled_row.row.current.display(k),
                         labelled_row.row.previous.display(k),
                         "–" if change is None else f"{change:+d}"):
                row.cell(pdf.text_of(text))
    if svg is not None:
        pdf.ln(2)
        # fpdf2 draws SVG text in a core font (Latin-1): the marks are replaced likewise.
        latin1 = svg.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
        pdf.image(io.BytesIO(latin1.encode("utf-8")), w=150)
    pdf.ln(4)


def render_pdf(figures: AccountFigures, settings: Settings, language: str,
               db: Session | None = None) -> bytes:
    with force_locale(language):
        companies: Mapping[str, str] = _company_names(db)
        tables = labelled(figures, settings, companies)
        drawings = charts(figures, tables)
        title = str(gettext("Transparency Act account %(year)s: figures", year=figures.year))
        pdf = _Pdf(title)
        pdf.set_title(title)
        pdf.set_lang(language)
        pdf.set_creator("Aktsom")
        pdf.add_page()
        pdf.set_font(pdf.family, "B", 16)
        pdf.multi_cell(0, 9, pdf.text_of(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(pdf.family, "", 11)
        scope = (str(gettext("Company: %(name)s",
                             name=figures.unit_name or figures.unit_code or ""))
                 if figures.unit_id else str(gettext("The group, all companies")))
        notes = [scope, publication_statement(settings),
                 str(gettext("Each figure is shown beside the previous year's "
                             "(%(year)s).", year=figures.previous_year))]
        if figures.k > 1:
            notes.append(str(gettext(
                "To protect reporters, a count from 1 to %(last)s is shown as “< %(k)s”, and a "
                "figure shown as “–” is withheld so that no hidden count can be worked out from "
                "a total or from the previous year.", last=figures.k - 1, k=figures.k)))
        notes.append(str(gettext("Made %(date)s.", date=figures.generated_at.date().isoformat())))
        for note in notes:
            pdf.multi_cell(0, 6, pdf.text_of(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        group_note = (str(gettext("The supplier register is kept for the whole group; this "
                                  "figure is the group's.")) if figures.unit_id else None)
        for section in figures.sections():
            pdf.add_page()
            # A bookmark per section: the PDF's outline is its table of contents.
            pdf.start_section(pdf.text_of(section_label(section)))
            pdf.set_font(pdf.family, "B", 14)
            pdf.multi_cell(0, 8, pdf.text_of(section_label(section)), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
            pdf.ln(2)
            for item in tables:
                if item.table.section == section:
                    _table(pdf, figures, item,
                           group_note if item.table.scope == "group" else None,
                           drawings.get(item.table.key))
            if section == "reports":
                pdf.set_font(pdf.family, "B", 11)
                pdf.multi_cell(0, 6, pdf.text_of(str(gettext("Time taken"))),
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_font(pdf.family, "", 9)
                for median in figures.medians:
                    values = [("–" if value is None else str(value))
                              for value in (median.current, median.previous)]
                    pdf.multi_cell(0, 5, pdf.text_of(
                        f"{table_label(median.key)}: {values[0]} ({figures.previous_year}: "
                        f"{values[1]})"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(pdf.output())
