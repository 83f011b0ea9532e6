/** sysexits(3) codes the agent uses; systemd's RestartPreventExitStatus=78 keys on EX_CONFIG. */
export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_SOFTWARE = 70;
export const EX_CONFIG = 78;
