-- +goose Up
-- QoE: one row per playback session, holding the player's latest cumulative
-- report (origin/qoe; definitions in RATIONALE.md "Why these QoE
-- definitions?"). seq orders reports, so a retried or late report never
-- overwrites a newer one. fn_version is the edge function version that
-- served the session ('' when the edge did not say); device_class comes
-- from the session's lease, not from the player.
CREATE TABLE qoe_sessions (
    session_id        VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    account_id        BIGINT UNSIGNED NOT NULL,
    title_id          VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    device_class      VARCHAR(16)     NOT NULL,
    fn_version        VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    seq               INT UNSIGNED    NOT NULL,
    final             BOOLEAN         NOT NULL DEFAULT FALSE,
    startup_ms        INT UNSIGNED    NULL,
    exit_before_start BOOLEAN         NOT NULL DEFAULT FALSE,
    start_failed      BOOLEAN         NOT NULL DEFAULT FALSE,
    watch_ms          BIGINT UNSIGNED NOT NULL DEFAULT 0,
    rebuffer_count    INT UNSIGNED    NOT NULL DEFAULT 0,
    rebuffer_ms       BIGINT UNSIGNED NOT NULL DEFAULT 0,
    avg_bitrate_kbps  INT UNSIGNED    NOT NULL DEFAULT 0,
    switches          INT UNSIGNED    NOT NULL DEFAULT 0,
    dropped_frames    INT UNSIGNED    NOT NULL DEFAULT 0,
    errors            INT UNSIGNED    NOT NULL DEFAULT 0,
    last_error        VARCHAR(200)    NOT NULL DEFAULT '',
    started_at        DATETIME(6)     NOT NULL,
    updated_at        DATETIME(6)     NOT NULL,
    PRIMARY KEY (session_id),
    KEY qoe_sessions_recent (updated_at),
    KEY qoe_sessions_account (account_id),
    CONSTRAINT qoe_sessions_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE qoe_sessions;
