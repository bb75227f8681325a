"""What a reporter is told about protection against retaliation, per jurisdiction (issue 11 §2).

A company's jurisdiction is its org unit's country (ISO 3166-1 alpha-2, `OrgUnit.country`).
Each text below is a legal promise shown to reporters, so it says what the law of that country
gives, and to whom, and nothing more; the texts are in the translation catalogues in every
language. A country without a reviewed text gets only the group's own commitment, which the
group can keep wherever the reporter works; so do workers at suppliers, whom no Nordic act
protects against their own employer abroad.

Adding a country means adding a reviewed text here (and its translations), never a guess.
Sources, read for these defaults (confirm them for your organisation):

* Norway: arbeidsmiljøloven (LOV-2005-06-17-62) chapter 2A as in force from 1 January 2020.
  §2A-1: employees (and hired-in workers, also in the hirer's business) may report
  "kritikkverdige forhold": breaches of legal rules, of the business's written ethical
  guidelines or of ethical norms broadly accepted in society; matters concerning only the
  worker's own employment are not whistleblowing. §2A-2(2): reporting in line with a duty to
  report, the business's routines, to an employee representative or to a public authority is
  lawful in any case ("uansett"): no test of grounds or good faith. §2A-2(3): going to the
  media or the public needs good faith about the content ("aktsom god tro"), a matter of
  public interest, and an internal report first or reason to believe it would not be fitting.
  §2A-4: retaliation against a worker who reports under §2A-1 is forbidden.
* Sweden: lag (2021:890) om skydd för personer som rapporterar om missförhållanden. Protects
  people reporting in a work-related context (employees, job applicants, volunteers, trainees,
  self-employed, shareholders and board members who work in the business, and others the act
  lists) about matters of public interest or breaches of the EU acts it covers, when they had
  reasonable grounds to believe the information was true ("skälig anledning att anta"), when
  reporting internally, to a competent authority, or publicly under its conditions; forbids
  hindering a report and retaliation.
* Denmark: lov nr. 1436 af 29. juni 2021 om beskyttelse af whistleblowere. §1: breaches of the
  EU acts it covers, serious breaches of law and other serious matters; §3: persons reporting
  information obtained in a work-related context; §6: protection when the person had
  reasonable grounds to believe the information was correct at the time of reporting and
  within the act, internally or to an external scheme (the Danish Data Protection Agency's
  national scheme among them); retaliation, threats of it and attempts at it are forbidden.
"""

from __future__ import annotations


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a text for extraction into the catalogues; it is translated where shown."""
    return text


# Shown to everyone, and alone to supplier workers and in countries without a reviewed text:
# a commitment the group itself can keep, whatever law applies where the reporter works.
GROUP_COMMITMENT = _N(
    "%(organisation)s does not accept retaliation against anyone who reports a concern, and "
    "requires its suppliers not to retaliate. If you experience retaliation after reporting, "
    "tell us here with your case code or make a new report.")

PROTECTION_BY_COUNTRY: dict[str, str] = {
    "NO": _N(
        "If you are employed by, or hired in to, one of our companies in Norway, the Working "
        "Environment Act (chapter 2A) gives you the right to report censurable conditions in "
        "the company: breaches of the law, of the company's written ethical guidelines or of "
        "ethical norms broadly accepted in society. Retaliation against you for reporting is "
        "forbidden. You always have the right to report through this channel, to an employee "
        "representative or to a public authority: no test of your grounds or good faith "
        "applies, and you are protected even if it turns out that you were mistaken. Going to "
        "the media or the public is also protected if you believe, in good faith and with due "
        "care, that what you report is true, the matter is of public interest, and you have "
        "reported internally first or have reason to believe that would not be appropriate. "
        "A matter that concerns only your own employment is covered only if it is also a "
        "censurable condition of this kind."),
    "SE": _N(
        "If you work for one of our companies in Sweden, or are connected to it through work "
        "(for example as a job applicant, trainee, volunteer or self-employed contractor), the "
        "Swedish Whistleblowing Act (2021:890) forbids retaliation against you and any attempt "
        "to stop you from reporting. The protection applies when you had reasonable grounds "
        "to believe that what you reported was true, and it concerns a matter in the public "
        "interest or a breach of EU law covered by the Act. It applies to reports through "
        "this channel and to reports to a competent authority."),
    "DK": _N(
        "If you work for one of our companies in Denmark, or are connected to it through work "
        "(for example as a job applicant, trainee, volunteer or self-employed contractor), the "
        "Danish Whistleblower Act forbids retaliation against you for reporting. The "
        "protection applies when you had reasonable grounds to believe that what you reported "
        "was correct when you reported it, and it concerns a serious breach of the law, "
        "another serious matter or a breach of EU law covered by the Act. It applies to "
        "reports through this channel and to reports to the national whistleblower scheme of "
        "the Danish Data Protection Agency."),
}


def protection_text(country: str | None) -> str | None:
    """The reviewed protection text (an untranslated catalogue id) for a company in `country`,
    or None where there is none: the reporter is then shown the group's commitment only."""
    return PROTECTION_BY_COUNTRY.get((country or "").upper())
