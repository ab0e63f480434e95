"""Clone uploads held in memory: one per user at a time, within one byte budget for the whole process.

To clone a voice an adapter downloads the user's recording, checks it, and keeps the bytes until the user
presses the consent button. Without limits one user could start /clone again and again and hold many
20 MB files in memory for minutes. :class:`CloneUploads` is the one mechanism every adapter goes through,
with no platform code in it:

* **A per-user gate.** At most one clone upload in flight per user (``platform:user id``), from before
  the download, through the audio check and the wait for the consent button, to the end of cloning.
  Another one meanwhile is refused with :class:`CloneInProgress` ("you already have a clone in progress").
* **A process-wide byte budget.** The bytes of every upload in flight are reserved in one budget
  (:data:`DEFAULT_BUDGET_BYTES`) *before* downloading, from the size the platform declares
  (:meth:`CloneUploads.slot` / :meth:`UploadSlot.reserve`). :meth:`UploadSlot.collect` reads the
  download: it stops reading past the upload limit whatever the declared size said
  (:class:`~core.errors.AudioTooLarge`), grows the reservation when more bytes than declared arrive, and
  shrinks it to the real size at the end. When the budget cannot take an upload, it is refused before
  any download with :class:`UploadsBusy` ("busy, try again in a minute").
* **Always released.** :meth:`CloneUploads.slot` is an async context manager that gives back the
  user's turn and the bytes in ``finally``, on every path: success, errors, cancellation. A slot that
  must outlive its handler — a consent button may be answered in another update — is handed over
  with :meth:`CloneUploads.park`; it then keeps the user's turn and its bytes until :meth:`CloneUploads.take`
  gives it to the button's handler (which releases it when done), :meth:`CloneUploads.discard`, or
  ``hold_seconds`` pass (:data:`DEFAULT_HOLD_SECONDS`): the bytes are dropped and a later press has to
  download the file again. So checked bytes never wait for consent in memory longer than that, on any
  platform (an adapter whose consent prompt times out uses the same time).

One instance serves all adapters of a process: :func:`clone_uploads` gives the one that belongs to the
process's :class:`~core.service.VoiceService` (``bots.app`` builds one per process).

Everything here runs on the event loop (no locks: no ``await`` between a check and its update).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager

from core.errors import AudioTooLarge, Busy
from core.models import UserRef

__all__ = [
    "DEFAULT_BUDGET_BYTES",
    "DEFAULT_HOLD_SECONDS",
    "CloneInProgress",
    "CloneUploads",
    "UploadSlot",
    "UploadsBusy",
    "clone_uploads",
    "install_clone_uploads",
    "too_large",
]

#: Bytes of clone uploads the whole process may hold at once (downloading, checking, awaiting consent).
DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024
#: Longest time checked bytes wait in memory for the consent button.
DEFAULT_HOLD_SECONDS = 180.0


class CloneInProgress(Busy):
    """This user already has a clone upload in flight (downloading, waiting for consent or cloning)."""

    code = "clone_in_progress"


class UploadsBusy(Busy):
    """The process's memory budget for clone uploads is used up; trying again shortly will work."""

    code = "clone_uploads_busy"


def too_large(size: int, limit: int) -> AudioTooLarge:
    """:class:`AudioTooLarge` for ``size`` bytes over ``limit``, with the MB figures its sentence shows."""
    return AudioTooLarge(size=size, limit=limit, size_mb=round(size / 2**20, 1), limit_mb=round(limit / 2**20))


def _key(user: UserRef | str) -> str:
    return user if isinstance(user, str) else f"{user.platform}:{user.user_id}"


class UploadSlot:
    """One user's clone upload in flight: the user's turn at the gate plus ``reserved`` bytes of the budget.

    Made by :meth:`CloneUploads.slot` (or :meth:`CloneUploads.open`); :meth:`release` gives both back
    and may be called any number of times. ``data`` holds the checked bytes while the slot is parked.
    """

    __slots__ = ("_handed_over", "_owner", "_released", "_timer", "data", "key", "parked_at", "reserved")

    def __init__(self, owner: CloneUploads, key: str) -> None:
        self._owner = owner
        self.key = key
        self.reserved = 0
        self.data: bytes | None = None
        self.parked_at: float | None = None
        self._released = False
        self._handed_over = False
        self._timer: asyncio.TimerHandle | None = None

    @property
    def released(self) -> bool:
        return self._released

    def reserve(self, size: int) -> None:
        """Hold exactly ``size`` bytes of the budget (growing or shrinking what is held).

        Growing past the budget raises :class:`UploadsBusy` and keeps the current reservation; a size
        larger than the whole budget raises :class:`~core.errors.AudioTooLarge` (it could never fit).
        """
        if self._released:
            raise RuntimeError("this upload slot was released")
        self._owner._resize(self, max(0, int(size)))

    async def collect(self, chunks: AsyncIterable[bytes], *, limit: int) -> bytes:
        """Read a download into memory, accounting every byte in this slot's reservation.

        Stops reading as soon as more than ``limit`` bytes arrived (:class:`~core.errors.AudioTooLarge`),
        whatever size was declared; grows the reservation when more bytes than reserved arrive
        (:class:`UploadsBusy` if the budget cannot take them); at the end holds exactly the bytes read.
        """
        parts: list[bytes] = []
        size = 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > limit:
                    parts.clear()
                    raise too_large(size, limit)
                if size > self.reserved:
                    self.reserve(size)
                parts.append(bytes(chunk))
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:  # an async generator: close its connection now, not when collected
                await aclose()
        data = b"".join(parts)
        parts.clear()
        self.reserve(len(data))
        return data

    def release(self) -> None:
        """Give back the user's turn and the reserved bytes, and drop any kept bytes (idempotent)."""
        if self._released:
            return
        self._owner._release(self)


class CloneUploads:
    """The per-user gate and the byte budget of clone uploads (see the module's docstring).

    ``budget_bytes``: all uploads in flight together; ``hold_seconds``: how long a parked slot (checked
    bytes waiting for the consent button) lives. ``users_in_flight`` and ``reserved_bytes`` are the
    counters (both 0 when nothing is in flight).
    """

    def __init__(self, *, budget_bytes: int = DEFAULT_BUDGET_BYTES, hold_seconds: float = DEFAULT_HOLD_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.budget_bytes = budget_bytes
        self.hold_seconds = hold_seconds
        self._clock = clock
        self._users: dict[str, UploadSlot] = {}
        self._parked: dict[str, UploadSlot] = {}
        self._reserved = 0

    # --- counters -------------------------------------------------------------------------------
    @property
    def users_in_flight(self) -> int:
        """Users holding their turn (downloading, checking, waiting for consent or cloning)."""
        self._expire()
        return len(self._users)

    @property
    def reserved_bytes(self) -> int:
        """Bytes of the budget reserved right now."""
        self._expire()
        return self._reserved

    @property
    def parked(self) -> int:
        """Slots waiting for a consent button."""
        self._expire()
        return len(self._parked)

    def in_flight(self, user: UserRef | str) -> bool:
        self._expire()
        return _key(user) in self._users

    # --- taking a turn -------------------------------------------------------------------------
    def open(self, user: UserRef | str, size: int = 0) -> UploadSlot:
        """Take ``user``'s turn and reserve ``size`` bytes; the caller must :meth:`UploadSlot.release` it.

        Raises :class:`CloneInProgress` when the user already has one in flight, :class:`UploadsBusy`
        when the budget cannot take ``size`` more bytes (nothing is held then).
        """
        self._expire()
        key = _key(user)
        if key in self._users:
            raise CloneInProgress()
        slot = UploadSlot(self, key)
        self._resize(slot, max(0, int(size)))  # raises before the user is registered: nothing to undo
        self._users[key] = slot
        return slot

    @asynccontextmanager
    async def slot(self, user: UserRef | str, size: int = 0) -> AsyncIterator[UploadSlot]:
        """:meth:`open` as a context manager: released in ``finally`` unless handed over with :meth:`park`."""
        slot = self.open(user, size)
        try:
            yield slot
        finally:
            if not slot._handed_over:
                slot.release()

    # --- waiting for consent in another handler ------------------------------------------------
    def park(self, token: str, slot: UploadSlot, data: bytes) -> None:
        """Keep ``slot`` (the user's turn and ``data``) under ``token`` until the consent button.

        From now on the slot belongs to whoever :meth:`take`\\ s it; if nobody does within
        ``hold_seconds`` it is released (the bytes dropped). The reservation becomes ``len(data)``.
        """
        if slot._released:
            raise RuntimeError("this upload slot was released")
        slot.reserve(len(data))
        slot.data = data
        slot._handed_over = True
        slot.parked_at = self._clock()
        self._parked[token] = slot
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): expiry happens lazily on the next call
            return
        # Drop the bytes when the time is up even if nobody calls in again (a weak reference: a timer
        # never keeps the budget alive).
        ref = weakref.ref(self)
        slot._timer = loop.call_later(self.hold_seconds + 0.01, _expire_later, ref)

    def take(self, token: str, user: UserRef | str) -> UploadSlot | None:
        """The parked slot ``token`` of ``user`` (its ``data`` is the checked bytes), now the caller's to
        release; None when there is none: never parked, expired, or another user's."""
        self._expire()
        slot = self._parked.get(token)
        if slot is None or slot.key != _key(user):
            return None
        del self._parked[token]
        slot.parked_at = None
        if slot._timer is not None:
            slot._timer.cancel()
            slot._timer = None
        return slot

    def discard(self, token: str) -> None:
        """Release the parked slot ``token`` if it is still parked (the prompt could not be sent, …)."""
        slot = self._parked.pop(token, None)
        if slot is not None:
            slot.release()

    def drop_user(self, user: UserRef | str) -> None:
        """Release every parked slot of ``user`` (e.g. when they delete their data)."""
        key = _key(user)
        for token in [tok for tok, s in self._parked.items() if s.key == key]:
            self.discard(token)

    # --- bookkeeping ------------------------------------------------------------------------------
    def _expire(self) -> None:
        if not self._parked:
            return
        now = self._clock()
        for token, slot in list(self._parked.items()):
            if slot.parked_at is not None and now - slot.parked_at >= self.hold_seconds:
                self.discard(token)

    def _resize(self, slot: UploadSlot, size: int) -> None:
        grow = size - slot.reserved
        if grow > 0:
            if size > self.budget_bytes:
                raise too_large(size, self.budget_bytes)
            self._expire()
            if self._reserved + grow > self.budget_bytes:
                raise UploadsBusy()
        self._reserved += grow
        slot.reserved = size

    def _release(self, slot: UploadSlot) -> None:
        slot._released = True
        self._reserved -= slot.reserved
        slot.reserved = 0
        slot.data = None
        if slot._timer is not None:
            slot._timer.cancel()
            slot._timer = None
        if self._users.get(slot.key) is slot:
            del self._users[slot.key]
        for token, parked in list(self._parked.items()):
            if parked is slot:
                del self._parked[token]


def _expire_later(ref: weakref.ReferenceType[CloneUploads]) -> None:
    uploads = ref()
    if uploads is not None:
        uploads._expire()


_SHARED: weakref.WeakKeyDictionary[object, CloneUploads] = weakref.WeakKeyDictionary()


def clone_uploads(owner: object) -> CloneUploads:
    """The :class:`CloneUploads` of ``owner`` — the process's ``VoiceService`` — made on first use.

    Every adapter passes the same service, so they share one gate and one budget.
    """
    uploads = _SHARED.get(owner)
    if uploads is None:
        uploads = _SHARED[owner] = CloneUploads()
    return uploads


def install_clone_uploads(owner: object, uploads: CloneUploads) -> CloneUploads:
    """Use ``uploads`` (e.g. with another budget) for ``owner`` from now on; returns it."""
    _SHARED[owner] = uploads
    return uploads
