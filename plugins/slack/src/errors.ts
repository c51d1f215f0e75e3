import { defineError } from '@cowork-gateway/core';

/** The Web API refused the bot token (auth.test answered invalid_auth, not_authed, token_revoked…). */
export const SlackUnauthorized = defineError<{ instance: string; error: string }>({
  code: 'slack.unauthorized',
  status: 401,
  message: ({ instance, error }) =>
    `slack.unauthorized: Slack rejected the bot token of provider "${instance}" (${error}); check OPEN_COWORK_STANDALONE_GATEWAY_SLACK_BOT_TOKEN (option botToken) on the app's OAuth & Permissions page`,
});

/** A verified request from a workspace other than the configured teamId. */
export const SlackTeamNotAllowed = defineError<{ instance: string; team: string }>({
  code: 'slack.team_not_allowed',
  status: 403,
  message: ({ instance, team }) =>
    `slack.team_not_allowed: provider "${instance}" only accepts its configured workspace, not team "${team}"; change OPEN_COWORK_STANDALONE_GATEWAY_SLACK_TEAM_ID (option teamId) or remove it`,
});

/** Events mode without a signing secret: no request from Slack could be verified. */
export const SlackSigningSecretRequired = defineError<{ instance: string }>({
  code: 'slack.signing_secret_required',
  status: 400,
  message: ({ instance }) =>
    `slack.signing_secret_required: provider "${instance}" is in events mode without a signing secret; set OPEN_COWORK_STANDALONE_GATEWAY_SLACK_SIGNING_SECRET (option signingSecret) to the app's Signing Secret, or use socket mode`,
});

/** Socket mode without an app-level token. */
export const SlackAppTokenRequired = defineError<{ instance: string }>({
  code: 'slack.app_token_required',
  status: 400,
  message: ({ instance }) =>
    `slack.app_token_required: provider "${instance}" is in socket mode without an app-level token; set OPEN_COWORK_STANDALONE_GATEWAY_SLACK_APP_TOKEN (option appToken) to an xapp- token with connections:write`,
});
