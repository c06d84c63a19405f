/** A rule given on the command line: whether it parses; when it does not, the reason with a caret goes to stderr. */
import { parseRule, RuleSyntaxError } from '../alerts/rule-parser.js';
import { describeRuleError } from './alerts.js';

/** True when `rule` parses; else writes `feedwatch COMMAND: the rule does not parse ...` to stderr and returns false. */
export function ruleParses(command: string, rule: string): boolean {
  try {
    parseRule(rule);
    return true;
  } catch (err) {
    if (!(err instanceof RuleSyntaxError)) throw err;
    process.stderr.write(`feedwatch ${command}: ${describeRuleError(rule, err)}`);
    return false;
  }
}
