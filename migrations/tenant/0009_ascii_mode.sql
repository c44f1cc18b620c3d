-- ASCII mode (issue 13): a user's own preference for a terminal without
-- colour or Unicode chrome (a vt100, a Linux console). The server also
-- turns the mode on by itself for such terminal types; this keeps it on
-- for a user whose terminal says more than it can draw.
-- (Reserved number: tenant 0012; numbered 0009 on this branch (after main's 0008) because the
-- loader refuses gaps. Renumber at merge.)
alter table users add column ascii boolean not null default false;
