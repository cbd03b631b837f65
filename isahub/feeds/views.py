"""Pages for agency feeds. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from isahub.audit.services import audit_record
from isahub.policy.engine import decide

from . import selectors, services
from .feedtypes import FEED_TYPES
from .forms import ConflictDecisionForm, ReviewDecisionForm, UploadForm
from .linking import thresholds


def home(request):
    loads = selectors.load_list(actor=request.user)[:50]
    user = request.user
    return render(
        request,
        "feeds/home.html",
        {
            "loads": loads,
            "can_load": decide(user, "feed.load").allowed,
            "queues": selectors.queue_sizes(actor=user),
            "can_review": decide(user, "feed.review").allowed,
            "can_resolve": decide(user, "feed.conflict_resolve").allowed,
        },
    )


@require_http_methods(["GET", "POST"])
def upload(request):
    agencies = selectors.agencies_for_loading(actor=request.user)
    form = UploadForm(request.POST if request.method == "POST" else None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            load = services.feed_import(
                actor=request.user,
                agency=data["agency"],
                feed_type=data["feed_type"],
                file_name=data["file"].name,
                data=data["file"].read(),
                fmt=data["format"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect("feeds:load", load_id=load.pk)
    from isahub.linkage.scoring import describe_linker

    return render(request, "feeds/upload.html", {"form": form, "feed_types": FEED_TYPES.values(), "linker": describe_linker()})


def load_report(request, load_id: int):
    load = selectors.access_load(actor=request.user, load_id=load_id)
    audit_record(action="feed.report_viewed", actor=request.user, target=load)
    return render(
        request,
        "feeds/load.html",
        {
            "load": load,
            "feed": FEED_TYPES[load.feed_type],
            "rejections": load.report.get("rejections", []),
            "notes": load.report.get("notes", []),
        },
    )


def review_queue(request):
    items = selectors.review_queue(actor=request.user)[:200]
    lower, upper = thresholds()
    return render(request, "feeds/review_queue.html", {"items": items, "lower": lower, "upper": upper})


@require_http_methods(["GET", "POST"])
def review_item(request, item_id: int):
    view = selectors.access_review_item(actor=request.user, item_id=item_id)
    form = ReviewDecisionForm(
        request.POST if request.method == "POST" else None, candidate_ids=[c.child_id for c in view.candidates]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "link":
                services.review_link(actor=request.user, item=view.item, child_id=data["child"], note=data["note"])
                messages.success(request, "The row is linked to the record you chose.")
            elif data["decision"] == "create":
                services.review_create(actor=request.user, item=view.item, note=data["note"])
                messages.success(request, "The row has been added as a new child.")
            else:
                services.review_reject(actor=request.user, item=view.item, note=data["note"])
                messages.success(request, "The row has been rejected.")
        except ValidationError as error:
            for problem in error.messages:
                form.add_error(None, problem)
        else:
            return redirect("feeds:review-queue")
    return render(request, "feeds/review_item.html", {"view": view, "form": form})


def conflict_queue(request):
    conflicts = selectors.conflict_queue(actor=request.user)[:200]
    return render(request, "feeds/conflict_queue.html", {"conflicts": conflicts})


@require_http_methods(["GET", "POST"])
def conflict(request, conflict_id: int):
    item, record = selectors.access_conflict(actor=request.user, conflict_id=conflict_id)
    form = ConflictDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_resolve(
                actor=request.user, conflict=item, apply=form.cleaned_data["decision"] == "apply", note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for problem in error.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, "The conflict has been resolved.")
            return redirect("feeds:conflict-queue")
    return render(request, "feeds/conflict.html", {"conflict": item, "record": record, "form": form})
