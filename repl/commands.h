/*
 * commands.h - the REPL's `:commands`.
 *
 * A command is one descriptor: a name, its usage, a line of help and a Lua
 * C function.  The function is both `agdb.NAME(...)` for scripts and the
 * handler of `:NAME ...` typed at the prompt, which calls it with the rest of
 * the line as one string argument (or, with REPL_CMD_WORDS, one argument per
 * blank-separated word; no argument when the rest is empty).  What it returns
 * is printed like the value of an expression.
 *
 * Commands come in families, one file each (cmd_basic.c, ...), each a table
 * ending with an entry whose name is NULL; commands.c lists the families.
 */
#ifndef REPL_COMMANDS_H
#define REPL_COMMANDS_H

#include <stddef.h>

#include <lua.h>

enum {
	REPL_CMD_WORDS = 1 << 0,	/* split the line form into words */
	REPL_CMD_FILE = 1 << 1,		/* its argument is a file name (completion) */
	REPL_CMD_COMMAND = 1 << 2	/* its argument is a command name (completion) */
};

typedef struct repl_cmd {
	const char *name;	/* "load" */
	const char *usage;	/* the arguments: "FILE" ("" for none) */
	const char *help;	/* one line */
	lua_CFunction fn;
	unsigned flags;
} repl_cmd;

/* The families. */
extern const repl_cmd repl_cmds_basic[];
extern const repl_cmd repl_cmds_graph[];
extern const repl_cmd repl_cmds_image[];
extern const repl_cmd repl_cmds_tui[];
extern const repl_cmd repl_cmds_debug[];

/* The i-th command of all families (0-based), NULL past the last. */
const repl_cmd *repl_cmd_at(size_t i);
/* A command by name or unique prefix (`:h` is :help); NULL when unknown or
 * ambiguous. */
const repl_cmd *repl_cmd_find(const char *name, size_t len);
/* Sets the global table `agdb` with a function per command. */
void repl_open_commands(lua_State *L);
/* Runs a line starting with ':' (history, errors and printing included);
 * returns the status of the call. */
int repl_run_command_line(lua_State *L, const char *line);
/* Prints the help of one command, or the list of all when cmd is NULL. */
void repl_print_help(const repl_cmd *cmd);

#endif
