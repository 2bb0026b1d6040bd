"""Route dependencies of the partners service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from partners.settings import PartnersSettings
from partners.secrets import SecretBox
from servicekit.db import Database
from servicekit.identity import Identity
from servicekit.api import require_roles


async def _settings(request: Request) -> PartnersSettings:
    return request.app.state.settings


async def _box(request: Request) -> SecretBox:
    return request.app.state.box


async def _database(request: Request) -> Database:
    return request.app.state.database


SettingsDep = Annotated[PartnersSettings, Depends(_settings)]
BoxDep = Annotated[SecretBox, Depends(_box)]
DatabaseDep = Annotated[Database, Depends(_database)]
# Partner systems hold subscriptions; the operator sees and manages every one.
PartnerDep = Annotated[Identity, require_roles("admin", "partner")]
