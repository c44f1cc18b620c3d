--
-- PostgreSQL database cluster dump
--

\restrict ZbXmWFoAw1FPbtY0RTJsze6vAN8CbMd6fj6fPS2d5Ec16jEnZOPZANX74hlHaS0

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE ctee27ba_demo;
ALTER ROLE ctee27ba_demo WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE ctee27ba_spare_6f4e408e5e0a9cfb;
ALTER ROLE ctee27ba_spare_6f4e408e5e0a9cfb WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;

--
-- User Configurations
--


--
-- Role memberships
--

GRANT ctee27ba_demo TO consultorio GRANTED BY consultorio;
GRANT ctee27ba_spare_6f4e408e5e0a9cfb TO consultorio GRANTED BY consultorio;




\unrestrict ZbXmWFoAw1FPbtY0RTJsze6vAN8CbMd6fj6fPS2d5Ec16jEnZOPZANX74hlHaS0

--
-- PostgreSQL database cluster dump complete
--

