-- ASCII mode (issue 13): a user's own preference for a terminal without
-- colour or Unicode chrome (a vt100, a Linux console). The server also
-- turns the mode on by itself for such terminal types; this keeps it on
-- for a user whose terminal says more than it can draw.
alter table users add column ascii boolean not null default false;
