// Every management operation of the control plane, registered in one call (src/main.ts wires it).

import type { Control } from '../../control/index.js';
import type { Routes } from '../http.js';
import { registerAccountOperations } from './account.js';
import { registerAliasOperations } from './aliases.js';
import { registerCodeOperations } from './code.js';
import { registerFunctionOperations } from './functions.js';
import { registerLayerOperations } from './layers.js';
import { registerTagOperations } from './tags.js';
import { registerVersionOperations } from './versions.js';

export function registerControlOperations(routes: Routes, control: Control): void {
  registerFunctionOperations(routes, control);
  registerVersionOperations(routes, control);
  registerAliasOperations(routes, control);
  registerLayerOperations(routes, control);
  registerTagOperations(routes, control);
  registerAccountOperations(routes, control);
  registerCodeOperations(routes, control);
}
