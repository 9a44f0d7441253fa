"""The confirmation link a connected system calls when it has carried out a notice (Art. 19):
``POST /connected/confirm/{token}``, outside the API's schema, with no sign-in (the receiver
has none). The token is signed by Kluis (``sealing.confirm_token``) and names the notice only;
a token not signed by this Kluis is refused with 403."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from kluis.api import KluisDep, NowDep
from kluis.connected import delivery
from kluis.connected.sealing import ConfirmationInvalid
from kluis.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.post("/connected/confirm/{token}")
def confirm(k: KluisDep, now: NowDep, token: str = Path(max_length=400)) -> JSONResponse:
    """200 ``{"status": "confirmed"}`` (also when confirmed before); 403 for a bad signature."""
    try:
        delivery.confirm(k, token, now)
    except ConfirmationInvalid as exc:
        return JSONResponse({"status": "refused", "detail": exc.detail}, status_code=403)
    except NotFound as exc:
        return JSONResponse({"status": "unknown", "detail": exc.detail}, status_code=404)
    return JSONResponse({"status": "confirmed"})
