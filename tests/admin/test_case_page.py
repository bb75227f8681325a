"""A case page built for safe work (issue 14 §9, the rest): the overview first with the next
step in words, the dialogue, then the actions in groups; internal notes unlike replies;
every destructive action confirmed on a page of its own; a form that fails validation comes
back filled in with the error beside its field; codes shown as words; times in the
organisation's time zone with the zone named."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from portal.approvals import pending
from portal.cases.attachments import Upload
from portal.cases.submission import NewReport, submit_report
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import CaseKeyWrap, Message
from portal.states import ApprovalKind, AuthorKind
from portal.storage import file_store
from tests.admin.case_support import World, case_row, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

# 23:30 UTC on 15 January is already 16 January in Oslo (CET, UTC+1).
LATE_EVENING = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)


def _wraps(app: Flask, case_id: str, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def _section_order(page: str) -> list[str]:
    wanted = ("overview", "report", "identity", "dialogue", "actions")
    found = re.findall(r'<section[^>]*\bid="([a-z-]+)"', page)
    return [name for name in found if name in wanted]


def test_the_overview_comes_first_and_the_actions_are_grouped(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert _section_order(page) == ["overview", "report", "identity", "dialogue", "actions"]
    overview = page.split('id="overview"', 1)[1].split("</section>", 1)[0]
    for words in ("Status", "Acknowledgement due", "Feedback due", "Next step:"):
        assert words in overview
    actions = page.split('id="actions"', 1)[1]
    groups = re.findall(r'<details class="action-group[^"]*" id="group-([a-z]+)"( open)?>',
                        actions)
    assert [name for name, _open in groups] == ["reply", "note", "handling", "duties",
                                                "access", "escalation"]
    # Only the reply is open at first: the rest is one click away, never a long column.
    assert [name for name, is_open in groups if is_open] == ["reply"]
    # Each form sits in its group.
    handling = actions.split('id="group-handling"', 1)[1].split("</details>", 1)[0]
    assert f'action="/admin/cases/{case_id}/status"' in handling
    access = actions.split('id="group-access"', 1)[1].split("</details>", 1)[0]
    assert f'action="/admin/cases/{case_id}/exclude"' in access


def test_the_next_step_is_said_in_words_with_its_due_date(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, now=LATE_EVENING)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    step = re.search(r'id="next-step">(.*?)</p>', alice.get(url).get_data(as_text=True), re.S)
    assert step and "Acknowledge receipt by" in step.group(1)
    post(alice, f"{url}/acknowledge")
    step = re.search(r'id="next-step">(.*?)</p>', alice.get(url).get_data(as_text=True), re.S)
    assert step and "Give the reporter feedback by" in step.group(1)
    assert re.search(r"\b(CET|CEST)\b", step.group(1))


def test_internal_notes_look_nothing_like_replies(world: World, portal_app: Flask,
                                                   admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/notes", {"body": "NOTE-ONLY-FOR-US"})
    post(alice, f"{url}/messages", {"body": "REPLY-FOR-THE-REPORTER", "is_feedback": "update"})
    page = alice.get(url).get_data(as_text=True)
    items = re.findall(r'<li class="([^"]*)">(.*?)</li>', page.split('id="dialogue"', 1)[1],
                       re.S)
    note = next(body for classes, body in items if "NOTE-ONLY-FOR-US" in body)
    reply = next(body for classes, body in items if "REPLY-FOR-THE-REPORTER" in body)
    assert ("internal-note", note) in items
    assert ("from-handler", reply) in items
    assert "Only handlers see this" in note
    assert "Only handlers see this" not in reply


def test_a_failed_form_keeps_the_typed_text_and_points_at_the_field(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    too_long = "LONG-NOTE " * 2001  # over the limit of a text (20,000 characters)
    answer = post(alice, f"{url}/notes", {"body": too_long})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    # Its group open, the text back in its own box (not in the reply's), the error beside it,
    # tied to it, and the box focused; the summary at the top links to it.
    assert re.search(r'<details class="action-group[^"]*" id="group-note" open>', page)
    box = re.search(r'<textarea([^>]*)>([^<]*)</textarea>',
                    page.split('id="group-note"', 1)[1])
    assert box and 'id="note-body"' in box.group(1) and "LONG-NOTE" in box.group(2)
    assert 'aria-describedby="note-body-error"' in box.group(1)
    assert "autofocus" in box.group(1)
    assert 'id="note-body-error"' in page and 'href="#note-body"' in page
    reply_box = re.search(r'<textarea[^>]*name="body"[^>]*>([^<]*)</textarea>',
                          page.split('id="group-reply"', 1)[1])
    assert reply_box and "LONG-NOTE" not in reply_box.group(1)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Message).where(
            Message.case_id == case_id, Message.author_kind == AuthorKind.HANDLER)) == 0


def test_a_failed_status_form_shows_its_choices_as_words(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/acknowledge")
    answer = post(alice, f"/admin/cases/{case_id}/status", {"status": "nonsense"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'<details class="action-group[^"]*" id="group-handling" open>', page)
    options = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S)
    assert options and ">Being investigated<" in options.group(1)
    assert ">in_progress<" not in options.group(1)


def test_leaving_someone_out_is_confirmed_on_its_own_page(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    answer = post(alice, f"{url}/exclude", {"exclude-user_id": world.bob.id})
    assert answer.status_code == 303
    confirm_url = answer.headers["Location"]
    assert confirm_url.startswith(f"{url}/exclude/confirm")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert pending(db, ApprovalKind.CASE_EXCLUSION, case_id=case_id) == []
    page = alice.get(confirm_url).get_data(as_text=True)
    assert world.bob.name in page
    assert 'name="exclude-confirm" value="yes"' in page
    assert "<script" not in page.split("<main", 1)[-1]
    # Oneself and a person not on the case have no such page.
    assert alice.get(f"{url}/exclude/confirm?user_id={world.alice.id}").status_code == 404
    assert alice.get(f"{url}/exclude/confirm?user_id={world.olga.id}").status_code == 404
    post(alice, f"{url}/exclude", {"exclude-user_id": world.bob.id, "exclude-confirm": "yes"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert len(pending(db, ApprovalKind.CASE_EXCLUSION, case_id=case_id)) == 1


def test_approving_an_exclusion_is_confirmed_on_its_own_page(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id, "grant-reason": "expertise"})
    post(alice, f"{url}/exclude", {"exclude-user_id": world.bob.id, "exclude-confirm": "yes"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        (asked,) = pending(db, ApprovalKind.CASE_EXCLUSION, case_id=case_id)
        request_id = asked.id
    olga = signed_in(admin_app, world.olga)
    # The request awaits Olga: the access group opens by itself.
    assert re.search(r'id="group-access" open>', olga.get(url).get_data(as_text=True))
    answer = post(olga, f"{url}/requests/{request_id}",
                  {"kind": "case_exclusion", "decision": "approve"}, token_from=url)
    assert answer.headers["Location"] == f"{url}/requests/{request_id}/confirm"
    assert _wraps(portal_app, case_id, world.bob.id) == 2
    page = olga.get(answer.headers["Location"]).get_data(as_text=True)
    assert world.bob.name in page and 'name="confirm" value="yes"' in page
    post(olga, f"{url}/requests/{request_id}",
         {"kind": "case_exclusion", "decision": "approve", "confirm": "yes"}, token_from=url)
    assert _wraps(portal_app, case_id, world.bob.id) == 0


def test_removing_an_item_is_confirmed_on_its_own_page(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/notes", {"body": "NOTE-TO-REMOVE"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        note_id = db.scalar(select(Message.id).where(Message.case_id == case_id,
                                                     Message.author_kind == AuthorKind.HANDLER))
    target = f"{url}/redactions/message/{note_id}"
    answer = post(alice, target, {"reason": "not_relevant", "note": "SEALED-WHY",
                                  "confirm": "1"}, token_from=url)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "cannot be brought back" in page
    assert 'name="confirmed" value="yes"' in page
    assert 'name="note" value="SEALED-WHY"' in page  # in the form, never in a URL
    assert "NOTE-TO-REMOVE" in alice.get(url).get_data(as_text=True)
    post(alice, target, {"reason": "not_relevant", "note": "SEALED-WHY", "confirm": "1",
                         "confirmed": "yes"}, token_from=url)
    assert "NOTE-TO-REMOVE" not in alice.get(url).get_data(as_text=True)


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MakerMarker"
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_codes_show_as_words(world: World, portal_app: Flask, admin_app: Flask) -> None:
    """The reporter's language by its name (Babel), the metadata removed from a file in
    words, the closing reason by its label: no `nb`, `exif` or `duplicate`."""
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        report = NewReport(category="forced_labour", human_rights=True, unit_id=world.unit_id,
                           description="See the photo.", language="nb")
        case_id = submit_report(
            db, settings=settings_of(portal_app), server_keys=server_keys_of(portal_app),
            store=file_store(portal_app), report=report,
            uploads=[Upload(filename="photo.jpg", media_type="image/jpeg",
                            stream=io.BytesIO(_photo()))]).case.id
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    language = re.search(r'id="reporter-language">([^<]*)<', page)
    assert language and language.group(1) == "Norwegian Bokmål"
    assert "camera, time and location details" in page
    assert not re.search(r"metadata removed: [^)]*exif", page)


def test_the_closing_reason_shows_as_words(world: World, portal_app: Flask,
                                           admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/acknowledge")
    post(alice, f"{url}/status", {"status": "closed", "closing_reason": "duplicate",
                                  "confirm": "yes"})
    row = case_row(portal_app, case_id)
    assert row is not None and row.status == "closed"
    status = re.search(r'id="case-status">(.*?)</dd>', alice.get(url).get_data(as_text=True),
                       re.S)
    assert status and "Duplicate of another case" in status.group(1)
    assert ">duplicate<" not in status.group(1) and ": duplicate" not in status.group(1)


def test_times_are_in_the_organisations_time_zone_with_the_zone_named(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """Default Europe/Oslo: a due date stored as midnight UTC reads 1:00 CET, never 00:00."""
    case_id, _ = new_case(portal_app, world.unit_id, now=LATE_EVENING)
    row = case_row(portal_app, case_id)
    assert row is not None
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    due = re.search(r"Acknowledgement due</dt>\s*<dd>([^<]*)<", page)
    assert due, page
    assert due.group(1).strip().endswith(("CET", "CEST"))
    assert "1:00:00" in due.group(1) or "01:00:00" in due.group(1)


def test_every_case_page_form_keeps_what_was_typed(world: World, portal_app: Flask,
                                                   admin_app: Flask) -> None:
    """Not only the reply: a summary for a manager, the note on informing the person
    concerned and the note on sharing come back in their boxes, their group open."""
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    for target, data, group, text in (
        ("escalate", {"summary": "SUMMARY-TYPED"}, 'id="group-escalation" open', "summary"),
        ("concerned-person", {"note": "CONCERNED-NOTE-TYPED"}, 'id="group-duties" open',
         "note"),
        ("grant", {"grant-note": "GRANT-NOTE-TYPED"}, 'id="group-access" open', "grant-note"),
    ):
        answer = post(alice, f"{url}/{target}", data, token_from=url)
        assert answer.status_code == 422, target
        page = answer.get_data(as_text=True)
        typed = next(iter(data.values()))
        assert re.search(rf'<textarea[^>]*name="{text}"[^>]*>\s*{typed}</textarea>', page), target
        assert group in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Message).where(
            Message.case_id == case_id, Message.author_kind == AuthorKind.HANDLER)) == 0


def test_a_linked_case_is_named_by_its_reference(world: World, portal_app: Flask,
                                                 admin_app: Flask) -> None:
    """Issue 14 §9: no raw case id on the page; the link to the earlier case shows the
    reference handlers know it by."""
    earlier, _ = new_case(portal_app, world.unit_id, "The first report.")
    later, _ = new_case(portal_app, world.unit_id, "I was moved after reporting.",
                        category="retaliation", human_rights=False)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": earlier})
    reference = case_row(portal_app, earlier).reference  # type: ignore[union-attr]
    assert reference
    page = alice.get(f"/admin/cases/{later}").get_data(as_text=True)
    link = re.search(rf'<a href="/admin/cases/{earlier}">([^<]*)</a>', page)
    assert link and link.group(1).strip() == reference
