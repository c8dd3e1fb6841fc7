-- +goose Up
-- My list: a profile's saved titles in the order the viewer chose.
CREATE TABLE my_list (
    profile_id BIGINT UNSIGNED NOT NULL,
    title_id   VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    position   INT             NOT NULL,
    added_at   DATETIME(6)     NOT NULL,
    PRIMARY KEY (profile_id, title_id),
    KEY my_list_order (profile_id, position, title_id),
    CONSTRAINT my_list_profile FOREIGN KEY (profile_id) REFERENCES profiles (id) ON DELETE CASCADE,
    CONSTRAINT my_list_title FOREIGN KEY (title_id) REFERENCES titles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Watch progress: one row per profile, title and episode (episode_id is ''
-- for a movie), so a heartbeat is one primary-key upsert.
CREATE TABLE watch_progress (
    profile_id BIGINT UNSIGNED NOT NULL,
    title_id   VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    episode_id VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    position_s INT UNSIGNED    NOT NULL,
    duration_s INT UNSIGNED    NOT NULL,
    watched    BOOLEAN         NOT NULL DEFAULT FALSE,
    updated_at DATETIME(6)     NOT NULL,
    PRIMARY KEY (profile_id, title_id, episode_id),
    KEY watch_progress_recent (profile_id, updated_at),
    CONSTRAINT watch_progress_profile FOREIGN KEY (profile_id) REFERENCES profiles (id) ON DELETE CASCADE,
    CONSTRAINT watch_progress_title FOREIGN KEY (title_id) REFERENCES titles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Plays per title and day: trending sums the last days on the primary key.
CREATE TABLE play_counts (
    day      DATE            NOT NULL,
    title_id VARCHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    plays    INT UNSIGNED    NOT NULL,
    PRIMARY KEY (day, title_id),
    CONSTRAINT play_counts_title FOREIGN KEY (title_id) REFERENCES titles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Search: full text over everything, and over the name alone so a title
-- match ranks above a synopsis or cast match; a plain index on name for the
-- prefix fallback of short queries.
ALTER TABLE titles ADD FULLTEXT KEY titles_ft_all (name, synopsis, cast_names);
ALTER TABLE titles ADD FULLTEXT KEY titles_ft_name (name);
ALTER TABLE titles ADD KEY titles_name (name(64)), ADD KEY titles_maturity_published (maturity_level, published_at, id);

-- +goose Down
ALTER TABLE titles
    DROP KEY titles_ft_all,
    DROP KEY titles_ft_name,
    DROP KEY titles_name,
    DROP KEY titles_maturity_published;
DROP TABLE play_counts;
DROP TABLE watch_progress;
DROP TABLE my_list;
