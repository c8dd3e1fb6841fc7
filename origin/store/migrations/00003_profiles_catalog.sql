-- +goose Up
-- Profiles: up to 5 per account (enforced by the origin), a kids flag, a
-- maturity ceiling on the level scale titles use, an optional PIN.
CREATE TABLE profiles (
    id             BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
    account_id     BIGINT UNSIGNED  NOT NULL,
    name           VARCHAR(50)      NOT NULL,
    kids           BOOLEAN          NOT NULL DEFAULT FALSE,
    maturity_level TINYINT UNSIGNED NOT NULL DEFAULT 4,
    pin_hash       VARCHAR(255)     NULL,
    created_at     DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY profiles_account (account_id),
    CONSTRAINT profiles_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Operators may edit the catalog.
ALTER TABLE accounts ADD COLUMN role ENUM('member','operator') NOT NULL DEFAULT 'member' AFTER plan;

-- Catalog: movies and series. maturity is the label shown (G, PG, PG-13,
-- R, NC-17); maturity_level is its rank (0 all ages … 4 adults) that
-- profile ceilings compare against. Artwork paths are relative to the
-- media/ namespace (e.g. "<asset>/poster.jpg").
ALTER TABLE titles
    ADD COLUMN kind           ENUM('movie','series') NOT NULL DEFAULT 'movie' AFTER id,
    ADD COLUMN maturity_level TINYINT UNSIGNED       NOT NULL DEFAULT 1 AFTER maturity,
    ADD COLUMN cast_names     VARCHAR(1024)          NOT NULL DEFAULT '' AFTER synopsis,
    ADD COLUMN poster_path    VARCHAR(255)           NULL,
    ADD COLUMN backdrop_path  VARCHAR(255)           NULL,
    ADD COLUMN updated_at     DATETIME(6)            NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6);

CREATE TABLE genres (
    id   SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug VARCHAR(32)       NOT NULL,
    name VARCHAR(64)       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY genres_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE title_genres (
    title_id VARCHAR(64)       COLLATE utf8mb4_bin NOT NULL,
    genre_id SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (title_id, genre_id),
    KEY title_genres_genre (genre_id, title_id),
    CONSTRAINT title_genres_title FOREIGN KEY (title_id) REFERENCES titles (id) ON DELETE CASCADE,
    CONSTRAINT title_genres_genre FOREIGN KEY (genre_id) REFERENCES genres (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Series structure: a series is a title of kind 'series'; its episodes
-- each have their own asset.
CREATE TABLE seasons (
    title_id VARCHAR(64)       COLLATE utf8mb4_bin NOT NULL,
    number   SMALLINT UNSIGNED NOT NULL,
    name     VARCHAR(255)      NOT NULL,
    PRIMARY KEY (title_id, number),
    CONSTRAINT seasons_title FOREIGN KEY (title_id) REFERENCES titles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE episodes (
    id             VARCHAR(64)       COLLATE utf8mb4_bin NOT NULL,
    title_id       VARCHAR(64)       COLLATE utf8mb4_bin NOT NULL,
    season_number  SMALLINT UNSIGNED NOT NULL,
    episode_number SMALLINT UNSIGNED NOT NULL,
    name           VARCHAR(255)      NOT NULL,
    synopsis       TEXT              NOT NULL,
    runtime_s      INT UNSIGNED      NOT NULL,
    asset_id       VARCHAR(64)       COLLATE utf8mb4_bin NULL,
    PRIMARY KEY (id),
    UNIQUE KEY episodes_order (title_id, season_number, episode_number),
    CONSTRAINT episodes_season FOREIGN KEY (title_id, season_number) REFERENCES seasons (title_id, number) ON DELETE CASCADE,
    CONSTRAINT episodes_asset FOREIGN KEY (asset_id) REFERENCES assets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Renditions learn what the edge's rewrite and the catalog need to know.
ALTER TABLE renditions
    ADD COLUMN average_bandwidth INT UNSIGNED  NOT NULL DEFAULT 0 AFTER bandwidth,
    ADD COLUMN frame_rate        DECIMAL(6,3)  NOT NULL DEFAULT 0 AFTER codecs,
    ADD COLUMN video_range       VARCHAR(8)    NOT NULL DEFAULT 'SDR' AFTER frame_rate;

-- Alternate audio and subtitle tracks of an asset.
CREATE TABLE tracks (
    asset_id VARCHAR(64)                    COLLATE utf8mb4_bin NOT NULL,
    kind     ENUM('audio','subtitles')      NOT NULL,
    lang     VARCHAR(16)                    NOT NULL,
    name     VARCHAR(64)                    NOT NULL,
    codecs   VARCHAR(64)                    NOT NULL DEFAULT '',
    is_default BOOLEAN                      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (asset_id, kind, lang),
    CONSTRAINT tracks_asset FOREIGN KEY (asset_id) REFERENCES assets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE tracks;
ALTER TABLE renditions DROP COLUMN average_bandwidth, DROP COLUMN frame_rate, DROP COLUMN video_range;
DROP TABLE episodes;
DROP TABLE seasons;
DROP TABLE title_genres;
DROP TABLE genres;
ALTER TABLE titles DROP COLUMN kind, DROP COLUMN maturity_level, DROP COLUMN cast_names,
    DROP COLUMN poster_path, DROP COLUMN backdrop_path, DROP COLUMN updated_at;
DROP TABLE profiles;
ALTER TABLE accounts DROP COLUMN role;
