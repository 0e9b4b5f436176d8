"""All configuration, read once from the environment; nothing else reads os.environ."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = Field(
        "development", validation_alias=AliasChoices("MCUFORGE_ENVIRONMENT")
    )
    data_dir: Path = Field(
        Path("data"),
        validation_alias=AliasChoices("MCUFORGE_DATA_DIR"),
        description="Where the SQLite file, the embedded broker's queue and scratch files live.",
    )
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="SQLAlchemy URL; defaults to a SQLite file in the data directory.",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL"),
        description="Celery broker and result backend; without it an embedded filesystem broker is used.",
    )
    secret_key: str = Field(DEVELOPMENT_SECRET, validation_alias=AliasChoices("MCUFORGE_SECRET_KEY"))

    host: str = Field("127.0.0.1", validation_alias=AliasChoices("MCUFORGE_HOST"))
    port: int = Field(8000, validation_alias=AliasChoices("MCUFORGE_PORT"))
    frontend_dist: Path = Field(
        Path(__file__).resolve().parent.parent / "frontend" / "dist",
        validation_alias=AliasChoices("MCUFORGE_FRONTEND_DIST"),
    )

    max_upload_file_bytes: int = Field(
        64 * 1024 * 1024,
        validation_alias=AliasChoices("MCUFORGE_MAX_UPLOAD_FILE_BYTES"),
        description="Largest single file accepted by an upload.",
    )
    max_initial_model_bytes: int = Field(
        64 * 1024 * 1024,
        validation_alias=AliasChoices("MCUFORGE_MAX_INITIAL_MODEL_BYTES"),
        description="Largest Keras file (.keras / .h5) a project may upload to start a detector "
        "from (never more than the 64 MiB the training sandbox opens).",
    )
    max_upload_files: int = Field(
        500,
        validation_alias=AliasChoices("MCUFORGE_MAX_UPLOAD_FILES"),
        description="Most files accepted in one upload request.",
    )
    max_upload_request_bytes: int = Field(
        512 * 1024 * 1024,
        validation_alias=AliasChoices("MCUFORGE_MAX_UPLOAD_REQUEST_BYTES"),
        description="Largest upload request body.",
    )

    job_heartbeat_seconds: float = Field(
        5.0,
        validation_alias=AliasChoices("MCUFORGE_JOB_HEARTBEAT_SECONDS"),
        description="How often a running job proves its worker is alive.",
    )
    job_stale_after_seconds: float = Field(
        60.0,
        validation_alias=AliasChoices("MCUFORGE_JOB_STALE_AFTER_SECONDS"),
        description="A running job with no heartbeat for this long is marked failed.",
    )
    worker_heartbeat_seconds: float = Field(
        5.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_WORKER_HEARTBEAT_SECONDS"),
        description="How often each worker process writes its heartbeat row.",
    )
    worker_seen_within_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_WORKER_SEEN_WITHIN_SECONDS"),
        description="The health route counts a worker alive if its heartbeat is this recent.",
    )
    redis_visibility_timeout_seconds: float = Field(
        600.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_REDIS_VISIBILITY_TIMEOUT_SECONDS"),
        description="A Redis message taken by a worker that died is delivered again after this.",
    )

    session_lifetime_hours: float = Field(
        24.0 * 14,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_SESSION_LIFETIME_HOURS"),
        description="A browser session expires this long after sign-in.",
    )
    secure_cookies: bool | None = Field(
        None,
        validation_alias=AliasChoices("MCUFORGE_SECURE_COOKIES"),
        description="Send session cookies only over HTTPS; default: on outside development.",
    )
    signup: Literal["closed", "invite", "open"] = Field(
        "closed",
        validation_alias=AliasChoices("MCUFORGE_SIGNUP"),
        description="Who may create an account: closed (the first account, then only by an "
        "administrator's invitation or hand), invite (project owners may invite too) or open "
        "(anyone).",
    )
    invitation_lifetime_hours: float = Field(
        24.0 * 7,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_INVITATION_LIFETIME_HOURS"),
        description="An invitation link may be used (once) for this long after it was made.",
    )
    password_reset_lifetime_hours: float = Field(
        24.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_PASSWORD_RESET_LIFETIME_HOURS"),
        description="A password reset link may be used (once) for this long after it was made.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_LOGIN_MAX_FAILURES"),
        description="Failed sign-ins per username and IP address before they are refused (429).",
    )
    login_failure_window_seconds: float = Field(
        300.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_LOGIN_FAILURE_WINDOW_SECONDS"),
        description="The window over which failed sign-ins are counted.",
    )
    max_json_body_bytes: int = Field(
        1024 * 1024,
        validation_alias=AliasChoices("MCUFORGE_MAX_JSON_BODY_BYTES"),
        description="Largest request body of every route but uploads (413 beyond).",
    )
    autotune_max_windows: int = Field(
        100,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_AUTOTUNE_MAX_WINDOWS"),
        description="Most training windows a DSP block's autotune looks at.",
    )
    autotune_max_values: int = Field(
        4_000_000,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_AUTOTUNE_MAX_VALUES"),
        description="Most values (samples x axes) of those windows; fewer windows beyond.",
    )
    max_recording_body_bytes: int = Field(
        16 * 1024 * 1024,
        validation_alias=AliasChoices("MCUFORGE_MAX_RECORDING_BODY_BYTES"),
        description="Largest live classification request: a recording's values as JSON.",
    )

    expert_mode: Literal["sandboxed", "trusted"] = Field(
        "sandboxed",
        validation_alias=AliasChoices("MCUFORGE_EXPERT_MODE"),
        description="sandboxed: every training run in bubblewrap, expert scripts refused where it "
        "cannot start; trusted: no sandbox (only for people you would give a shell).",
    )
    bwrap_path: str = Field(
        "bwrap",
        validation_alias=AliasChoices("MCUFORGE_BWRAP_PATH"),
        description="The bubblewrap binary that sandboxes training scripts.",
    )
    training_max_processes: int = Field(
        4096,
        ge=16,
        validation_alias=AliasChoices("MCUFORGE_TRAINING_MAX_PROCESSES"),
        description="RLIMIT_NPROC of a training run: every process and thread of its host uid "
        "(the worker's user, or nobody when the worker is root).",
    )
    training_max_file_bytes: int = Field(
        2 * 2**30,
        ge=2**20,
        validation_alias=AliasChoices("MCUFORGE_TRAINING_MAX_FILE_BYTES"),
        description="Largest file a training run can write (RLIMIT_FSIZE); its /tmp and /dev/shm size.",
    )
    training_max_result_bytes: int = Field(
        2**20,
        ge=1024,
        validation_alias=AliasChoices("MCUFORGE_TRAINING_MAX_RESULT_BYTES"),
        description="Largest result.json the worker reads back from a training run.",
    )
    training_max_artifact_bytes: int = Field(
        256 * 2**20,
        ge=2**20,
        validation_alias=AliasChoices("MCUFORGE_TRAINING_MAX_ARTIFACT_BYTES"),
        description="Largest model file (.tflite, .keras, SavedModel zip) read back from a run.",
    )

    # Memory bounds (ARCHITECTURE principle 8): each is checked before the work it bounds starts,
    # so that the API's and a worker's memory does not grow with what a request or a project holds.
    max_axes: int = Field(
        64,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_MAX_AXES"),
        description="Most axes (columns, channels) of one time-series sample, in every format.",
    )
    max_image_pixels: int = Field(
        2048 * 2048,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_MAX_IMAGE_PIXELS"),
        description="Most pixels (width x height) of an uploaded image, read from its header "
        "before it is decoded.",
    )
    max_image_decoded_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_MAX_IMAGE_DECODED_BYTES"),
        description="Most bytes of an image once decoded and stored (pixels x channels x 4, "
        "float32).",
    )
    max_window_values: int = Field(
        1024 * 1024,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_MAX_WINDOW_VALUES"),
        description="Most values in one window of an impulse (window samples x axes), checked "
        "when the impulse is saved.",
    )
    max_resampled_values: int = Field(
        16 * 1024 * 1024,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_MAX_RESAMPLED_VALUES"),
        description="Most values a sample or a recording may have once resampled to the "
        "impulse's rate (length x axes), computed before resampling.",
    )

    # Ingestion compatible with existing firmware (backend/api/routes/ingestion.py) and the
    # device relay (backend/services/device_relay.py): each bound is checked as messages arrive.
    ingestion_requests_per_minute: int = Field(
        600,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_INGESTION_REQUESTS_PER_MINUTE"),
        description="Requests per API key and minute to the ingestion routes (429 beyond).",
    )
    device_max_message_bytes: int = Field(
        64 * 1024,
        ge=256,
        validation_alias=AliasChoices("MCUFORGE_DEVICE_MAX_MESSAGE_BYTES"),
        description="Largest WebSocket message a device may send to the relay.",
    )
    device_max_messages_per_second: float = Field(
        50.0,
        gt=0,
        validation_alias=AliasChoices("MCUFORGE_DEVICE_MAX_MESSAGES_PER_SECOND"),
        description="Messages per second a connected device may send (averaged over 2 s).",
    )
    device_max_connected_per_project: int = Field(
        16,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_DEVICE_MAX_CONNECTED_PER_PROJECT"),
        description="Devices connected to the relay at once in one project.",
    )
    device_subscriber_queue_messages: int = Field(
        64,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_DEVICE_SUBSCRIBER_QUEUE_MESSAGES"),
        description="Messages queued for one browser watching a device; the oldest are dropped.",
    )
    device_max_subscribers: int = Field(
        32,
        ge=1,
        validation_alias=AliasChoices("MCUFORGE_DEVICE_MAX_SUBSCRIBERS"),
        description="Browsers watching one device at once.",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret_outside_development(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("MCUFORGE_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'mcuforge.db').resolve()}"

    @property
    def cookies_are_secure(self) -> bool:
        # Browsers drop Secure cookies over plain http://127.0.0.1, so development runs without.
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.environment != "development"

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.redis_url


settings = Settings()
