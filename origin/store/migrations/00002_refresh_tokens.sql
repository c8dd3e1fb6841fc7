-- +goose Up
-- Refresh tokens are stored as SHA-256 hashes. Each use rotates: the used
-- token is marked and a new one of the same family is issued; presenting a
-- used token again revokes the whole family (OAuth 2.0 Security BCP 4.14).
CREATE TABLE refresh_tokens (
    token_hash BINARY(32)      NOT NULL,
    family_id  BINARY(16)      NOT NULL,
    account_id BIGINT UNSIGNED NOT NULL,
    client_id  VARCHAR(64)     NOT NULL,
    scope      VARCHAR(255)    NOT NULL,
    created_at DATETIME(6)     NOT NULL,
    expires_at DATETIME(6)     NOT NULL,
    used_at    DATETIME(6)     NULL,
    PRIMARY KEY (token_hash),
    KEY refresh_tokens_family (family_id),
    KEY refresh_tokens_account (account_id),
    CONSTRAINT refresh_tokens_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE refresh_tokens;
