"""The FastAPI app: a versioned JSON API over ``assess`` and the rule book, plus CDS Hooks.

Bodies are the library's own models, so the OpenAPI document is generated from them. Request
bodies are read raw and validated by the library itself (``parse_report_json``), so a bad report
gets exactly the problems a ReportError carries (field, message, value, suggestions) and a good
one gets exactly ``assess(report).to_json()`` (``?details=true``: whole), byte for byte.

Concurrency: the durable_rules engine is not thread-safe, and the library serialises every engine
call behind one process-wide lock. Endpoints that assess run that work in Starlette's thread pool
(``run_in_threadpool``), so the event loop keeps accepting and answering other requests (health,
vocabulary, 404s, 413s) while assessments wait their turn. For parallel throughput run several
worker processes (``psoas-triage serve --workers N``), each with its own engine.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from psoas_triage import __version__
from psoas_triage.assessment import assess, default_rulebook
from psoas_triage.errors import LanguageError, Problem, ReportError
from psoas_triage.json_input import read_json
from psoas_triage.locales import negotiate, resolve_language
from psoas_triage.models import Assessment, NextStep, SymptomReport, TriageLevel
from psoas_triage.next_step import next_question
from psoas_triage.reports import parse_report, parse_report_json
from psoas_triage.rulebook import RULES_ENV, RuleBook, load_body_map, load_rulebook
from psoas_triage.schema import Rule, Term
from psoas_triage.service import cds_hooks
from psoas_triage.service.limits import DEFAULT_MAX_BODY_BYTES, BodyLimit
from psoas_triage.service.media import UnsupportedMediaType, require_cds_json, require_json
from psoas_triage.service.openapi_document import language_pattern, report_components
from psoas_triage.suggestions import closest

MAX_BODY_ENV = "PSOAS_TRIAGE_MAX_BODY"
JSON = "application/json"

LanguageQuery = Annotated[
    str | None,
    Query(
        description=(
            "Texts in this language (e.g. fr), from the rule book's locales; an unknown one is "
            "a 422 listing the available languages. Without it, Accept-Language is honoured "
            "where a locale matches, else English. Codes, levels and scores never change."
        ),
    ),
]

DepthQuery = Annotated[
    Literal["triage", "full"],
    Query(
        description=(
            "triage (default): stop once no answer left can change the triage level (an app "
            "wants the disposition; the psoas band then stays marked provisional); full: go on "
            "until the band is settled too"
        )
    ),
]

Details = Annotated[
    bool,
    Query(
        description="the whole Assessment: also the items beyond the short lists ('more'), "
        "the explanation ('evidence') and the band's open questions (Assessment.to_json)"
    ),
]

Experimental = Annotated[
    bool,
    Query(
        description="also use rules of status experimental (left out by default), as "
        "assess(..., include_experimental=True)"
    ),
]
"""The ``?experimental=true`` query parameter: the body stays exactly a SymptomReport."""


# --- response bodies that are not library models ------------------------------------------------


class ProblemOut(BaseModel):
    field: str
    message: str
    value: Any = None
    suggestions: list[str] = []


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable ``error``, a sentence, and problems where known."""

    error: str
    message: str
    problems: list[ProblemOut] = []


class RuleSummary(BaseModel):
    id: str
    title: str
    status: str
    family: str
    points: int
    triage_floor: TriageLevel | None
    red_flag: bool


class RuleDetail(BaseModel):
    family: str
    file: str
    rule: Rule


class RuleBookInfo(BaseModel):
    name: str
    version: str
    full_version: str
    digest: str


class Health(BaseModel):
    status: str
    package_version: str
    rulebook: RuleBookInfo


def _body(component: str, *media_types: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{component}"}
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": schema} for media in media_types or (JSON,)},
        }
    }


REPORT_BODY = _body("AssessableReport")
"""/v1/assess and /v1/report: a report in the book's words that says something."""
STEP_BODY = _body("ReportForThisBook")
"""/v1/next-question: the same, possibly empty (the interview's first step)."""
CDS_BODY = _body("CdsPatientViewRequest", JSON, "application/fhir+json")
ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Body over the size limit (refused unparsed)"},
    415: {
        "model": ErrorOut,
        "description": "The body is not declared JSON in UTF-8 (Content-Type: application/json)",
    },
    422: {
        "model": ErrorOut,
        "description": "Invalid report or query (such as a language without a translation): "
        "every problem, with suggestions",
    },
}
JSON_BODY = [Depends(require_json)]
"""Every body endpoint of the JSON API reads only a body declared JSON in UTF-8 (else 415)."""


def create_app(
    rulebook: RuleBook | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> FastAPI:
    """The ASGI app serving ``rulebook`` (the shipped one when None).

    ``max_body_bytes`` bounds every request body (64 KiB by default); larger ones get 413.
    """
    book = rulebook if rulebook is not None else default_rulebook()
    load_body_map(book)  # a broken body_map.yaml fails here, at start, not on every report
    app = FastAPI(
        title="psoas-triage",
        version=__version__,
        description=(
            "Screens reported symptoms for psoas involvement and triages them safely. "
            "Supports triage; never diagnoses. Red flags override the score."
        ),
    )
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    _add_error_handlers(app)
    _add_api(app, book)
    _add_cds_hooks(app, book)
    _add_schema_components(app, book)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` and ``serve --workers N``: settings from the env."""
    rules = os.environ.get(RULES_ENV)
    book = load_rulebook(Path(rules)) if rules else None
    limit = int(os.environ.get(MAX_BODY_ENV, DEFAULT_MAX_BODY_BYTES))
    return create_app(book, max_body_bytes=limit)


# --- the JSON API -------------------------------------------------------------------------------


def _add_api(app: FastAPI, book: RuleBook) -> None:
    @app.post(
        "/v1/assess",
        response_model=Assessment,
        responses=ERRORS,
        openapi_extra=REPORT_BODY,
        dependencies=JSON_BODY,
        summary="Assess one SymptomReport",
    )
    async def assess_report(
        request: Request,
        language: LanguageQuery = None,
        experimental: Experimental = False,
        details: Details = False,
    ) -> Response:
        """A SymptomReport in, the Assessment out (exactly ``assess(report).to_json()``, whole
        with ``?details=true``)."""
        body = await request.body()
        try:
            tag = _language(book, language, request)
            text = await run_in_threadpool(
                lambda: _assess(body, book, tag, experimental).to_json(details=details)
            )
        except ReportError as error:
            return _invalid(error)
        except LanguageError as error:
            return _unknown_language(error)
        return _in_language(Response(text, media_type=JSON), book, tag)

    @app.post(
        "/v1/report",
        response_class=HTMLResponse,
        responses=ERRORS,
        openapi_extra=REPORT_BODY,
        dependencies=JSON_BODY,
        summary="The visual report of one SymptomReport, as one self-contained HTML page",
    )
    async def html_report(
        request: Request, language: LanguageQuery = None, experimental: Experimental = False
    ) -> Response:
        from psoas_triage.report_html import render_html

        body = await request.body()
        try:
            tag = _language(book, language, request)
            page = await run_in_threadpool(
                lambda: render_html(_assess(body, book, tag, experimental), book)
            )
        except ReportError as error:
            return _invalid(error)
        except LanguageError as error:
            return _unknown_language(error)
        return _in_language(HTMLResponse(page), book, tag)

    @app.post(
        "/v1/next-question",
        response_model=NextStep,
        responses=ERRORS,
        openapi_extra=STEP_BODY,
        dependencies=JSON_BODY,
        summary="The next interview question for everything answered so far (stateless)",
    )
    async def next_question_step(
        request: Request,
        language: LanguageQuery = None,
        experimental: Experimental = False,
        depth: DepthQuery = "triage",
        details: Details = False,
    ) -> Response:
        """A SymptomReport (all answers so far, ``unknown`` for don't know) in, the NextStep out
        (exactly ``next_question(report).to_json()``, the whole assessment with details)."""
        body = await request.body()
        try:
            tag = _language(book, language, request)
            text = await run_in_threadpool(
                lambda: next_question(
                    parse_report_json(body, book, allow_empty=True),
                    book,
                    language=tag,
                    include_experimental=experimental,
                    depth=depth,
                ).to_json(details=details)
            )
        except ReportError as error:
            return _invalid(error)
        except LanguageError as error:
            return _unknown_language(error)
        return _in_language(Response(text, media_type=JSON), book, tag)

    @app.get("/v1/vocabulary", response_model=list[Term], summary="The symptom codes")
    async def vocabulary() -> list[Term]:
        return list(book.terms.values())

    @app.get("/v1/rules", response_model=list[RuleSummary], summary="The rules, in book order")
    async def rules() -> list[RuleSummary]:
        return [
            RuleSummary(
                id=loaded.rule.id,
                title=loaded.rule.title,
                status=loaded.rule.status.value,
                family=loaded.family,
                points=loaded.rule.points,
                triage_floor=loaded.rule.triage_floor,
                red_flag=loaded.rule.red_flag,
            )
            for loaded in book.rules
        ]

    @app.get(
        "/v1/rules/{rule_id}",
        response_model=RuleDetail,
        responses={404: {"model": ErrorOut}},
        summary="One rule",
    )
    async def rule(rule_id: str) -> Response | RuleDetail:
        ids = [loaded.rule.id for loaded in book.rules]
        if rule_id not in ids:
            hint = list(closest(rule_id, ids))
            problem = ProblemOut(
                field="rule_id", message="no such rule", value=rule_id, suggestions=hint
            )
            return _error(404, "unknown_rule", f"no rule {rule_id!r}", [problem])
        loaded = book.rule(rule_id)
        return RuleDetail(family=loaded.family, file=_relative(loaded.file, book), rule=loaded.rule)

    @app.get("/healthz", response_model=Health, summary="Liveness and the rule book in use")
    async def healthz() -> Health:
        return Health(
            status="ok",
            package_version=__version__,
            rulebook=RuleBookInfo(
                name=book.name,
                version=book.version,
                full_version=book.full_version,
                digest=book.digest,
            ),
        )


def _assess(
    body: bytes, book: RuleBook, language: str | None, include_experimental: bool
) -> Assessment:
    return assess(
        parse_report_json(body, book),
        book,
        language=language,
        include_experimental=include_experimental,
    )


def _language(book: RuleBook, query: str | None, request: Request) -> str | None:
    """The language to answer in: ``?language=`` strictly (LanguageError when the book has no
    such locale), else the best match of ``Accept-Language`` (a preference: English when none
    matches)."""
    if query is not None:
        if re.fullmatch(language_pattern(book), query) is None:  # the documented pattern
            raise LanguageError(query, book.locales)
        locale = resolve_language(book, query)
    else:
        locale = negotiate(book, request.headers.get("accept-language"))
    return locale.language if locale is not None else None


def _in_language(response: Response, book: RuleBook, language: str | None) -> Response:
    """Say which language the texts are in, and that the answer depends on Accept-Language."""
    response.headers["Content-Language"] = language or "en"
    if book.locales:
        response.headers["Vary"] = "Accept-Language"
    return response


def _unknown_language(error: LanguageError) -> JSONResponse:
    problem = ProblemOut(
        field="language",
        message=f"no translation; available: {', '.join(error.available)}",
        value=_short(error.language),
        suggestions=list(closest(error.language, error.available)),
    )
    return _error(422, "unknown_language", str(error), [problem])


def _relative(file: str, book: RuleBook) -> str:
    try:
        return str(Path(file).relative_to(book.path))
    except ValueError:
        return Path(file).name


# --- CDS Hooks ----------------------------------------------------------------------------------


def _add_cds_hooks(app: FastAPI, book: RuleBook) -> None:
    @app.get(
        "/cds-services",
        response_model=cds_hooks.CdsDiscovery,
        response_model_exclude_none=True,
        summary="CDS Hooks discovery",
    )
    async def discovery() -> cds_hooks.CdsDiscovery:
        return cds_hooks.discovery()

    @app.post(
        f"/cds-services/{cds_hooks.SERVICE_ID}",
        response_model=cds_hooks.CdsResponse,
        response_model_exclude_none=True,
        responses=ERRORS,
        openapi_extra=CDS_BODY,
        dependencies=[Depends(require_cds_json)],
        summary="CDS Hooks patient-view: one card with the triage level",
    )
    async def patient_view(request: Request) -> Response:
        body = await request.body()
        try:
            answer = await run_in_threadpool(lambda: _cds_answer(body, book))
        except ReportError as error:
            return _invalid(error)
        return Response(answer.model_dump_json(exclude_none=True), media_type=JSON)


class CdsRequestError(ReportError):
    """The CDS Hooks request itself (not the report inside it) is malformed."""

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["error"] = "invalid_cds_request"
        data["message"] = str(data["message"]).replace(
            "invalid symptom report", "invalid CDS Hooks request", 1
        )
        return data


def _cds_answer(body: bytes, book: RuleBook) -> cds_hooks.CdsResponse:
    """The card for one CDS Hooks call, or a ReportError naming what is wrong.

    The body is read by the one JSON reader (``read_json``), not by pydantic's JSON mode, which
    keeps the last of two equal keys: ``prefetch`` or the report given twice would silently
    drop a red flag. A key given twice is a 422 naming its path (``prefetch.psoas-triage``).
    """
    try:
        value = read_json(body, what="request")
    except ReportError as error:
        raise CdsRequestError(list(error.listed), unlisted=error.unlisted) from None
    try:
        request = cds_hooks.CdsRequest.model_validate(value)
    except ValidationError as error:
        raise CdsRequestError([_problem(detail) for detail in error.errors()]) from None
    key = cds_hooks.REPORT_KEY
    data = (request.prefetch or {}).get(key)
    if data is None:
        message = f'no symptom report: send a SymptomReport as prefetch["{key}"]'
        raise ReportError([Problem(f"prefetch.{key}", message)])
    try:
        report = parse_report(data, book)
    except ReportError as error:
        raise ReportError(
            [
                Problem(f"prefetch.{key}.{p.field}", p.message, p.value, p.suggestions)
                for p in error.listed
            ],
            unlisted=error.unlisted,
        ) from None
    assessment = assess(report, book)
    answer = cds_hooks.CdsResponse(cards=[cds_hooks.card_for(assessment, book)])
    return cds_hooks.CdsResponse.model_validate(answer.model_dump())  # both directions checked


def _problem(detail: Any) -> Problem:
    location = ".".join(str(part) for part in detail.get("loc", ())) or "request"
    return Problem(location, str(detail.get("msg", "invalid value")), _short(detail.get("input")))


def _short(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:200]
    return text if len(text) <= 80 else text[:77] + "..."


# --- errors and schema ------------------------------------------------------------------------


def _invalid(error: ReportError) -> JSONResponse:
    """422 with the ReportError's problems; an offending NaN or Infinity is shown as text."""
    return JSONResponse(_finite(error.to_dict()), status_code=422)


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: a value like ``{"age": Infinity}`` is echoed as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _error(
    status: int, error: str, message: str, problems: list[ProblemOut] | None = None
) -> JSONResponse:
    body = ErrorOut(error=error, message=message, problems=problems or [])
    return JSONResponse(_finite(body.model_dump(mode="json")), status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    names = {404: "not_found", 405: "method_not_allowed"}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        name = names.get(error.status_code, "http_error")
        message = f"{request.method} {request.url.path}: {error.detail}"
        response = _error(error.status_code, name, message)
        if error.headers:
            response.headers.update(error.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            ProblemOut(
                field=".".join(str(part) for part in detail.get("loc", ())),
                message=str(detail.get("msg", "invalid value")),
                value=_short(detail.get("input")),
            )
            for detail in error.errors()
        ]
        return _error(422, "invalid_request", "the request is not valid", problems)

    @app.exception_handler(UnsupportedMediaType)
    async def unsupported(request: Request, error: UnsupportedMediaType) -> JSONResponse:
        problem = ProblemOut(
            field="Content-Type",
            message=f"not read here; send one of: {', '.join(error.accepted)} (UTF-8)",
            value=_short(error.content_type),
        )
        return _error(415, "unsupported_media_type", str(error), [problem])

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        # Never a traceback in an answer; the server log still has it.
        return _error(500, "internal_error", f"internal error ({type(error).__name__})")


def _add_schema_components(app: FastAPI, book: RuleBook) -> None:
    """Put the components the raw bodies refer to in the OpenAPI document: the library's
    SymptomReport and CdsRequest, and what ``book`` makes of them (``openapi_document``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        template = "#/components/schemas/{model}"
        for model in (SymptomReport, cds_hooks.CdsRequest):
            schema = model.model_json_schema(ref_template=template)
            components.update(schema.pop("$defs", {}))
            components[model.__name__] = schema
        components.update(report_components(book))
        _document_language(document, language_pattern(book))
        _errors_are_json(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _errors_are_json(document: dict[str, Any]) -> None:
    """Every error answer is JSON (ErrorOut), also on an endpoint whose success is HTML.

    FastAPI files an error response's model under the route's own media type, so without this
    ``POST /v1/report`` would document its 413, 415 and 422 as ``text/html``.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status[:1] in "45" and "text/html" in content:
                    content.setdefault(JSON, content.pop("text/html"))


def _document_language(document: dict[str, Any], pattern: str) -> None:
    """The ``language`` query's schema gets the pattern the service checks it against."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") == "language":
                    for choice in parameter["schema"].get("anyOf", [parameter["schema"]]):
                        if choice.get("type") == "string":
                            choice["pattern"] = pattern
