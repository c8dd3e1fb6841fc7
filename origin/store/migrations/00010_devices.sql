-- +goose Up
-- Devices: every sign-in (authorization code or device grant) registers
-- one. A device owns one refresh token family; revoking the device deletes
-- the family and stamps revoked_at (its access tokens are refused through a
-- Redis marker until they expire). profile_id is the profile last selected
-- on the device, carried into refreshed access tokens as pid.
CREATE TABLE devices (
    id          VARCHAR(32)      NOT NULL,
    account_id  BIGINT UNSIGNED  NOT NULL,
    client_id   VARCHAR(64)      NOT NULL,
    class       ENUM('phone','tablet','desktop','tv') NOT NULL,
    name        VARCHAR(64)      NOT NULL,
    profile_id  BIGINT UNSIGNED  NULL,
    first_seen  DATETIME(6)      NOT NULL,
    last_seen   DATETIME(6)      NOT NULL,
    revoked_at  DATETIME(6)      NULL,
    PRIMARY KEY (id),
    KEY devices_account (account_id, revoked_at, last_seen),
    CONSTRAINT devices_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE refresh_tokens
    ADD COLUMN device_id VARCHAR(32) COLLATE utf8mb4_unicode_ci NULL AFTER client_id,
    ADD KEY refresh_tokens_device (device_id);

-- +goose Down
ALTER TABLE refresh_tokens DROP KEY refresh_tokens_device, DROP COLUMN device_id;
DROP TABLE devices;
