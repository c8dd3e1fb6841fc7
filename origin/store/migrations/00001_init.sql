-- +goose Up
CREATE TABLE accounts (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    email         VARCHAR(254)    NOT NULL,
    password_hash VARCHAR(255)    NOT NULL,
    plan          VARCHAR(16)     NOT NULL DEFAULT 'standard',
    created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY accounts_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE signing_keys (
    kid         VARCHAR(64)  NOT NULL,
    private_key VARBINARY(512) NOT NULL,
    created_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    retired_at  DATETIME(6)  NULL,
    PRIMARY KEY (kid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE assets (
    id          VARCHAR(64)  NOT NULL,
    duration_ms INT UNSIGNED NOT NULL,
    created_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE renditions (
    asset_id  VARCHAR(64)  NOT NULL,
    name      VARCHAR(32)  NOT NULL,
    width     INT UNSIGNED NOT NULL,
    height    INT UNSIGNED NOT NULL,
    bandwidth INT UNSIGNED NOT NULL,
    codecs    VARCHAR(128) NOT NULL,
    PRIMARY KEY (asset_id, name),
    CONSTRAINT renditions_asset FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE titles (
    id           VARCHAR(64)   COLLATE utf8mb4_bin NOT NULL,
    name         VARCHAR(255)  NOT NULL,
    synopsis     TEXT          NOT NULL,
    year         SMALLINT UNSIGNED NOT NULL,
    maturity     VARCHAR(8)    NOT NULL DEFAULT 'PG',
    runtime_s    INT UNSIGNED  NOT NULL,
    asset_id     VARCHAR(64)   COLLATE utf8mb4_bin NULL,
    published_at DATETIME(6)   NULL,
    created_at   DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY titles_published (published_at, id),
    CONSTRAINT titles_asset FOREIGN KEY (asset_id) REFERENCES assets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE titles;
DROP TABLE renditions;
DROP TABLE assets;
DROP TABLE signing_keys;
DROP TABLE accounts;
