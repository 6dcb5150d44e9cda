/*
 * error.c - core's error state: a code and a message, per thread.
 *
 * Core never prints or exits on a user mistake; it sets this state and
 * returns NULL or -1.  The caller (the Lua binding, a test) reads it.
 * Errors are numbered, and an error may come with facts (the tensors an
 * overlap check refused, the shapes that did not broadcast) that the
 * debugger explains it with.
 */
#include "internal.h"
#include "debug.h"

#include <signal.h>
#include <stdio.h>

#define AG_ERROR_MAX 1024

static _Thread_local ag_errcode err_code;
static _Thread_local char err_msg[AG_ERROR_MAX];
static _Thread_local uint64_t err_serial;
static _Thread_local ag_error_facts facts;
static volatile sig_atomic_t interrupt_flag;

static int ag_verror(ag_errcode code, const char *fmt, va_list ap)
{
	err_code = code;
	err_serial++;
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	return -1;
}

int ag_error(ag_errcode code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ag_verror(code, fmt, ap);
	va_end(ap);
	return -1;
}

ag_errcode ag_error_code(void) { return err_code; }

/* Dims and index values inside messages: printed from this base (0, as
 * PyTorch's texts; the Lua binding sets 1). */
static int index_base;
void ag_set_index_base(int base) { index_base = base; }
int ag_index_base(void) { return index_base; }
const char *ag_error_message(void) { return err_code ? err_msg : ""; }

uint64_t ag_error_serial(void) { return err_serial; }

const ag_error_facts *ag_last_error_facts(void) { return &facts; }

void ag_set_error_facts(const ag_error_facts *f)
{
	facts = *f;
	facts.serial = err_serial;
}

void ag_error_clear(void)
{
	err_code = AG_OK;
	err_msg[0] = '\0';
}

/* Only sets a flag: safe to call from a signal handler. */
void ag_interrupt(void) { interrupt_flag = 1; }
bool ag_interrupt_pending(void) { return interrupt_flag != 0; }

int ag_check_interrupt(void)
{
	if (!interrupt_flag)
		return 0;
	interrupt_flag = 0;
	return ag_error(AG_ERR_INTERRUPT, "interrupted");
}
