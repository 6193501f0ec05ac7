-- Search that never reads another owner's words. The index of V3 named
-- the owner in a column of its own, so a search intersected every match
-- (of every owner) with the owner's whole list of tasks: with 100,000 tasks
-- a one-word search took milliseconds just to count. Here every indexed
-- word carries its owner: search_terms() (a function taskd registers on
-- each connection) writes a task's words as "<owner>_<word>", and a search
-- asks for "<owner>_<word>"*, which reads that owner's entries and no
-- others. The tokenizer splits only on spaces and control characters
-- (search_terms has already split the text into words), folds case and
-- removes diacritics, as before.
DROP TRIGGER tasks_search_inserted;
DROP TRIGGER tasks_search_deleted;
DROP TRIGGER tasks_search_updated;
DROP TABLE tasks_search;

CREATE VIRTUAL TABLE tasks_search USING fts5 (
    terms,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2 categories ''L* M* N* P* S* Co Cn Cs Cf'''
);
INSERT INTO tasks_search (rowid, terms)
    SELECT id, search_terms(owner_id, title, description) FROM tasks;
CREATE TRIGGER tasks_search_inserted AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_search (rowid, terms)
        VALUES (NEW.id, search_terms(NEW.owner_id, NEW.title, NEW.description));
END;
CREATE TRIGGER tasks_search_deleted AFTER DELETE ON tasks BEGIN
    DELETE FROM tasks_search WHERE rowid = OLD.id;
END;
CREATE TRIGGER tasks_search_updated AFTER UPDATE OF title, description ON tasks BEGIN
    DELETE FROM tasks_search WHERE rowid = OLD.id;
    INSERT INTO tasks_search (rowid, terms)
        VALUES (NEW.id, search_terms(NEW.owner_id, NEW.title, NEW.description));
END;
