"""The patient's assessment form behind a one-time link: plain, accessible HTML for phones.

`GET /forms/{token}` shows the instrument: one fieldset per question with its wording as
the legend and the answer options as labelled radio buttons, then a submit button.
`POST /forms/{token}` (application/x-www-form-urlencoded) scores and stores the answers
through services.assessment_forms and shows a confirmation; invalid answers re-render the
form (422) with a summary linking to each question in error. Unknown links get a 404
page, used or expired links a 410 page; none of them writes anything but an audit event.

The pages need no login, load nothing from elsewhere, run no script, and send a strict
Content-Security-Policy whose only allowance is their own inline style, by nonce. They
never show the patient's name: a forwarded link must not disclose who it was for.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from html import escape

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from bhlink.domain.errors import DomainError
from bhlink.domain.instruments import Item
from bhlink.services import assessment_forms
from bhlink.services.assessment_forms import FormAccepted, FormRefusal, FormRejected, OpenForm
from bhlink.store.db import Database

router = APIRouter(tags=["patient forms"], include_in_schema=False)

# The instructions printed above the questions on the published forms (Pfizer PHQ-9 and
# GAD-7 sheets, "No permission required to reproduce, translate, display or distribute");
# the PHQ-2 and GAD-2 are the first two questions of those forms and keep their wording.
_STEMS: Mapping[str, str] = {
    "PHQ-9": "Over the last 2 weeks, how often have you been bothered by any of the "
    "following problems?",
    "PHQ-2": "Over the last 2 weeks, how often have you been bothered by any of the "
    "following problems?",
    "GAD-7": "Over the last 2 weeks, how often have you been bothered by the following problems?",
    "GAD-2": "Over the last 2 weeks, how often have you been bothered by the following problems?",
}

_CRISIS = (
    "If you are thinking about harming yourself or are in danger, call 911, "
    "or call or text 988 (Suicide &amp; Crisis Lifeline) at any time."
)

_REFUSALS: Mapping[str, tuple[str, str]] = {
    "unknown": (
        "This link is not valid",
        "Please check that you opened the whole link, or ask your care team for a new one.",
    ),
    "used": (
        "This form has already been submitted",
        "Each link can be used once, and your answers were already received. "
        "If you need to change them, please contact your care team.",
    ),
    "expired": (
        "This link has expired",
        "Please ask your care team for a new link.",
    ),
}

# System fonts, large touch targets, visible focus, enough contrast (WCAG 2.1 AA).
_STYLE = """
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#fff}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.375rem;line-height:1.3;margin:.5rem 0 .25rem}
.practice{color:#444;margin:0 0 1rem}
.stem{font-weight:600}
fieldset{border:1px solid #767676;border-radius:.5rem;margin:0 0 1rem;padding:.75rem;min-width:0}
fieldset.invalid{border:2px solid #b00020}
legend{font-weight:600;float:left;width:100%;padding:0;margin:0 0 .5rem}
legend+*{clear:both}
.optional{font-weight:400;color:#444}
label{display:flex;align-items:center;gap:.75rem;min-height:2.75rem;padding:.25rem .5rem;
border-radius:.375rem;cursor:pointer}
label:hover{background:#f0f4fa}
input[type=radio]{width:1.375rem;height:1.375rem;margin:0;flex:none;accent-color:#1f4e99}
input:focus-visible{outline:3px solid #1f4e99;outline-offset:2px}
.field-error{color:#b00020;font-weight:600;margin:.25rem 0}
.error-summary{border:3px solid #b00020;border-radius:.5rem;padding:.75rem;margin:0 0 1rem}
.error-summary h2{font-size:1.125rem;margin:0 0 .5rem}
.error-summary a{color:#b00020}
button{font:inherit;font-weight:600;color:#fff;background:#1f4e99;border:0;border-radius:.5rem;
padding:.875rem 1.5rem;min-height:3rem;width:100%;cursor:pointer}
button:focus-visible{outline:3px solid #1b1b1b;outline-offset:3px}
.crisis{background:#f3f3f3;border-left:4px solid #1f4e99;padding:.75rem;margin:1.5rem 0 0}
.crisis h2{font-size:1.0625rem;margin:0 0 .25rem}
"""


def _page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n"
        f'<style nonce="{nonce}">{_STYLE}</style>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"},
    )


def _question_label(item: Item) -> str:
    return f"Question {escape(item.label)}"


def _friendly(message: str) -> str:
    """Engine messages speak to developers; the patient only needs to know what to do."""
    if message.startswith("an answer is required"):
        return "Please choose an answer."
    return "Please choose one of the answers listed."


def _item_html(item: Item, chosen: str | None, error: str | None) -> str:
    field_id = f"q-{item.id}"
    error_id = f"err-{item.id}"
    described = f' aria-describedby="{error_id}"' if error else ""
    css = ' class="invalid"' if error else ""
    optional = "" if item.required else ' <span class="optional">(optional)</span>'
    parts = [
        f'<fieldset id="{field_id}"{css}{described}>',
        f"<legend>{escape(item.label)}. {escape(item.text or '')}{optional}</legend>",
    ]
    if error:
        parts.append(f'<p class="field-error" id="{error_id}">{escape(error)}</p>')
    required = " required" if item.required else ""
    for option in item.options:
        checked = " checked" if chosen == str(option.value) else ""
        parts.append(
            f'<label><input type="radio" name="{escape(item.id)}" value="{option.value}"'
            f"{required}{checked}> {escape(option.label or str(option.value))}</label>"
        )
    parts.append("</fieldset>")
    return "\n".join(parts)


def _form_page(
    form: OpenForm,
    *,
    chosen: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> HTMLResponse:
    instrument = form.instrument
    chosen = chosen or {}
    problems = problems or {}
    errors = {item.id: _friendly(problems[item.id]) for item in form.items if item.id in problems}
    parts = [
        f"<h1>{escape(instrument.name)} ({escape(instrument.id)})</h1>",
        f'<p class="practice">Requested by {escape(form.practice_name)}</p>',
    ]
    if problems:
        links = [
            f'<li><a href="#q-{escape(item.id)}">{_question_label(item)}: '
            f"{escape(errors[item.id])}</a></li>"
            for item in form.items
            if item.id in errors
        ]
        if "" in problems or not links:
            links.append("<li>Some answers could not be read. Please check them.</li>")
        parts.append(
            '<div class="error-summary" role="alert" aria-labelledby="error-title">'
            '<h2 id="error-title">Please check your answers</h2>'
            f"<ul>{''.join(links)}</ul></div>"
        )
    stem = _STEMS.get(instrument.id)
    if stem:
        parts.append(f'<p class="stem">{escape(stem)}</p>')
    parts.append('<form method="post">')
    parts += [_item_html(item, chosen.get(item.id), errors.get(item.id)) for item in form.items]
    parts.append('<button type="submit">Submit my answers</button>')
    parts.append("</form>")
    title = f"{instrument.id} questionnaire"
    if problems:
        title = f"Please check your answers - {title}"
    return _page(title, "\n".join(parts), status=422 if problems else 200)


def _crisis_html() -> str:
    return f'<aside class="crisis"><h2>If you need help now</h2><p>{_CRISIS}</p></aside>'


def _refusal_page(refusal: FormRefusal) -> HTMLResponse:
    heading, text = _REFUSALS[refusal.reason]
    body = f"<h1>{escape(heading)}</h1>\n<p>{escape(text)}</p>\n{_crisis_html()}"
    return _page(heading, body, status=refusal.status)


def _accepted_page(accepted: FormAccepted) -> HTMLResponse:
    form = accepted.form
    body = (
        "<h1>Thank you</h1>\n"
        f"<p>Your answers to the {escape(form.instrument.id)} were sent to your care team at "
        f"{escape(form.practice_name)}.</p>\n<p>You can close this page now.</p>\n"
        f"{_crisis_html()}"
    )
    return _page("Answers received", body)


def _error_page() -> HTMLResponse:
    body = (
        "<h1>Something went wrong</h1>\n<p>Your answers were not saved. "
        "Please try again later, or contact your care team.</p>\n" + _crisis_html()
    )
    return _page("Something went wrong", body, status=503)


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _peer(request: Request) -> tuple[str | None, str | None]:
    ip = request.client.host if request.client else None
    return ip, getattr(request.state, "request_id", None)


def _open(
    db: Database, token: str, ip: str | None, request_id: str | None
) -> OpenForm | FormRefusal:
    with db.unit_of_work() as uow:
        outcome = assessment_forms.open_form(uow, token, source_ip=ip, request_id=request_id)
        uow.commit()
        return outcome


def _submit(
    db: Database, token: str, fields: Mapping[str, str], ip: str | None, request_id: str | None
) -> FormAccepted | FormRejected | FormRefusal:
    with db.unit_of_work() as uow:
        outcome = assessment_forms.submit_form(
            uow, token, fields, source_ip=ip, request_id=request_id
        )
        if isinstance(outcome, FormRejected):
            uow.rollback()  # nothing of a rejected submission is kept
        else:
            uow.commit()
        return outcome


@router.get("/forms/{token}", response_class=HTMLResponse)
def show_form(token: str, request: Request) -> HTMLResponse:
    """The form behind a one-time link (404 unknown, 410 used or expired)."""
    ip, request_id = _peer(request)
    try:
        outcome = _open(_db(request), token, ip, request_id)
    except DomainError:
        return _error_page()
    if isinstance(outcome, FormRefusal):
        return _refusal_page(outcome)
    return _form_page(outcome)


@router.post("/forms/{token}", response_class=HTMLResponse)
async def submit_form(token: str, request: Request) -> HTMLResponse:
    """Score and store the answers once; re-render with errors if they cannot be scored."""
    ip, request_id = _peer(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict[str, str] = {}
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        outcome = await run_in_threadpool(_submit, _db(request), token, fields, ip, request_id)
    except DomainError:
        return _error_page()
    if isinstance(outcome, FormRefusal):
        return _refusal_page(outcome)
    if isinstance(outcome, FormRejected):
        return _form_page(outcome.form, chosen=outcome.chosen, problems=outcome.problems)
    return _accepted_page(outcome)
