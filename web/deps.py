"""What views reach for: the application and the intake service that `create_app` built."""

from __future__ import annotations

from flask import current_app

from tanggap.bootstrap import Tanggap
from tanggap.intake import IntakeService

TANGGAP = "tanggap"
INTAKE = "tanggap.intake"


def tanggap() -> Tanggap:
    app: Tanggap = current_app.extensions[TANGGAP]
    return app


def intake() -> IntakeService:
    service: IntakeService = current_app.extensions[INTAKE]
    return service
