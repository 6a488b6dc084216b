// The front door of approvals/ (issue 15): what the pipeline uses (config/ reads config.ts itself).
export type { ApprovalsConfig } from './config.ts';
export { answerOf, answersFormElicitation, APPROVAL_INPUT_KEY, approvalInputRequests, askCaller } from './ask-caller.ts';
export { bindingChange, bindingOf } from './binding.ts';
export { waitForOperator } from './wait-operator.ts';
