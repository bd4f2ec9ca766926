"""The web's HTML pages, one module per area. ``ROUTES`` is every page handler."""

from __future__ import annotations

from web.pages import (
    admin,
    assessment_forms,
    assessments,
    conversation,
    dashboard,
    engagement_forms,
    follow,
    funding,
    gates,
    info,
    measures,
    milestone_forms,
    partner_forms,
    partners,
    project_forms,
    projects,
    roadmap,
    roadmap_forms,
    search,
    support,
    webhooks,
)

ROUTES = [
    dashboard.home,
    projects.project_page, projects.new_project_form, projects.create_project,
    project_forms.project_form, project_forms.submit_project_form,
    partners.partners_page, partners.partner_page, partners.my_projects, partners.engagements_page,
    support.support_form, support.send_support_request, support.support_sent, support.my_support_requests,
    support.triage_queue, support.triage_form, support.triage,
    search.search,
    assessments.assessment_report, assessments.add_action, assessments.close_action, gates.gates_page,
    assessment_forms.start_form, assessment_forms.start, assessment_forms.standard_form, assessment_forms.save_standard,
    assessment_forms.check_form, assessment_forms.finish,
    admin.list_accounts, admin.invite, admin.account_form, admin.change_account, admin.activate_account,
    admin.deliveries, admin.retry_delivery, admin.missing_translations,
    info.accessibility,
    *follow.ROUTES,
    roadmap.roadmap_page, roadmap.roadmap_csv,
    *milestone_forms.ROUTES,
    *webhooks.ROUTES,
    *engagement_forms.ROUTES,
    *measures.ROUTES,
    *funding.ROUTES,
    *roadmap_forms.ROUTES,
    *conversation.ROUTES,
    *partner_forms.ROUTES,
]  # fmt: skip
EXCEPTION_HANDLERS = info.EXCEPTION_HANDLERS
