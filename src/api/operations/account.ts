// GetAccountSettings on the wire: Lambda's account limits and this server's usage.

import type { Control } from '../../control/index.js';
import type { Routes } from '../http.js';
import { json } from './control-wire.js';

export function registerAccountOperations(routes: Routes, control: Control): void {
  routes.add('GET', '/2016-08-19/account-settings/', () => {
    const s = control.getAccountSettings();
    return json(200, {
      AccountLimit: {
        TotalCodeSize: s.accountLimit.totalCodeSize,
        CodeSizeUnzipped: s.accountLimit.codeSizeUnzipped,
        CodeSizeZipped: s.accountLimit.codeSizeZipped,
        ConcurrentExecutions: s.accountLimit.concurrentExecutions,
        UnreservedConcurrentExecutions: s.accountLimit.unreservedConcurrentExecutions,
      },
      AccountUsage: {
        TotalCodeSize: s.accountUsage.totalCodeSize,
        FunctionCount: s.accountUsage.functionCount,
      },
    });
  });
}
