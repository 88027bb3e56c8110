/* A deliberately bad object: one writable global. The stack_globals_check_fails
 * test runs the stack's nm check on it and expects it to fail, proving the
 * check can fail. Never linked into anything. */
int stack_bad_global_counter;
int stack_bad_global_bump(void) { return ++stack_bad_global_counter; }
