"""Appointments and the patients attending them (one for individual sessions, many for groups)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class Appointment(TenantRecord, Base):
    """A scheduled service; `patient_id` is null for group sessions (see AppointmentAttendee)."""

    __tablename__ = "appointments"

    patient_id: Mapped[str | None] = mapped_column(ID, ForeignKey("patients.id"))
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("providers.id"), nullable=False)
    location_id: Mapped[str | None] = mapped_column(ID, ForeignKey("locations.id"))
    appointment_type: Mapped[str | None] = mapped_column(String(100))
    service_code: Mapped[str | None] = mapped_column(String(10))
    diagnosis_codes: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place_of_service: Mapped[str | None] = mapped_column(String(2))
    telehealth_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    telehealth_link: Mapped[str | None] = mapped_column(String(300))
    reminder_email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reminder_sms: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(String(40))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_group: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    allow_overlap: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    authorization_id: Mapped[str | None] = mapped_column(ID)

    attendees: Mapped[list[AppointmentAttendee]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class AppointmentAttendee(Base):
    """A patient attending a group appointment, with their own attendance status."""

    __tablename__ = "appointment_attendees"

    appointment_id: Mapped[str] = mapped_column(ID, ForeignKey("appointments.id"), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    attendance: Mapped[str] = mapped_column(String(20), nullable=False, default="expected")


Index("ix_appointments_sync", Appointment.integration_id, Appointment.change_seq)
# updatedAfter: counts the changed records and finds the first of them (queries.paging).
Index("ix_appointments_updated", Appointment.integration_id, Appointment.updated_at)
Index(
    "uq_appointments_reference", Appointment.integration_id, Appointment.reference_id, unique=True
)
Index(
    "ix_appointments_provider_time",
    Appointment.integration_id,
    Appointment.provider_id,
    Appointment.start_time,
)
Index(
    "ix_appointments_patient_time",
    Appointment.integration_id,
    Appointment.patient_id,
    Appointment.start_time,
)
Index("ix_appointments_time", Appointment.integration_id, Appointment.start_time)
Index("ix_attendees_patient", AppointmentAttendee.patient_id)
