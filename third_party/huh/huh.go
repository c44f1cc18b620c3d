// Package huh provides components to build terminal-based forms and prompts.
package huh
