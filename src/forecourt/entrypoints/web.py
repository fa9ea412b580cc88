"""placeholder web router."""

from fastapi import APIRouter

router = APIRouter()
