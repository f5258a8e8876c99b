// authentication.k8s.io/v1 definitions: TokenReview (is this bearer token valid, and
// whose is it), SelfSubjectReview (who am I) and TokenRequest, the body of the
// serviceaccounts/token subresource.
import { M, METADATA } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, int64, kind, map, object, ref, str, strings, type Definitions,
} from './schema.js';

export const AN = 'io.k8s.api.authentication.v1.';

const GROUP = 'authentication.k8s.io';
const ATOMIC = { listType: 'atomic' } as const;

export const AUTHENTICATION_DEFINITIONS: Definitions = {
  [`${AN}UserInfo`]: object('The user a request or token was authenticated as.', {
    extra: map({ type: 'array', items: { type: 'string' } }, 'Further attributes the authenticator provides, such as scopes.'),
    groups: strings('The groups the user belongs to.', ATOMIC),
    uid: str('A value that identifies the user across time: a user deleted and created again under the same name gets another.'),
    username: str('The name that identifies the user among all active users.'),
  }),

  [`${AN}TokenReviewSpec`]: object('The token to authenticate.', {
    audiences: strings('Identifiers the resource server presenting the token is known by; an audience-aware authenticator checks the token was issued for one of them. Empty means the API server\'s own audiences.', ATOMIC),
    token: str('The opaque bearer token.'),
  }),

  [`${AN}TokenReviewStatus`]: object('The result of authenticating a token.', {
    audiences: strings('The audiences of both the request and the token that the authenticator accepted. Empty with authenticated true means the token is valid for the API server\'s own audiences.', ATOMIC),
    authenticated: bool('Whether the token belongs to a known user.'),
    error: str('Why the token could not be checked.'),
    user: ref(`${AN}UserInfo`, 'The user the token belongs to.'),
  }),

  [`${AN}TokenReview`]: kind(gvk(GROUP, 'v1', 'TokenReview'), 'Asks the API server to authenticate a bearer token and say whose it is. Only created; never stored.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AN}TokenReviewSpec`, 'The token to authenticate.'),
    status: ref(`${AN}TokenReviewStatus`, 'The answer, filled in by the server.'),
  }, ['spec']),

  [`${AN}SelfSubjectReviewStatus`]: object('What the API server knows of the user making a request.', {
    userInfo: ref(`${AN}UserInfo`, 'The attributes of the requesting user.'),
  }),

  [`${AN}SelfSubjectReview`]: kind(gvk(GROUP, 'v1', 'SelfSubjectReview'), 'Asks the API server who the requesting user is (the impersonated user, when impersonating). Only created; never stored.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    status: ref(`${AN}SelfSubjectReviewStatus`, 'The user attributes, filled in by the server.'),
  }),

  [`${AN}BoundObjectReference`]: object('An object a token is bound to: the token stops being valid when the object is gone.', {
    apiVersion: str('API version of the referent.'),
    kind: str('Kind of the referent: Pod, Secret or Node.'),
    name: str('Name of the referent.'),
    uid: str('UID of the referent.'),
  }),

  [`${AN}TokenRequestSpec`]: object('What a requested service account token should be like.', {
    audiences: strings('The audiences the token is meant for; a recipient must find one of its own identifiers among them, or reject the token. Empty means the API server\'s own audiences.', ATOMIC),
    boundObjectRef: ref(`${AN}BoundObjectReference`, 'An object the token is bound to: it is valid only while the object exists. The API server\'s TokenReview checks this; other audiences may not, so keep expirationSeconds short for prompt revocation.'),
    expirationSeconds: int64('How long the token should be valid. The issuer may choose another duration: read status.expirationTimestamp.'),
  }, ['audiences']),

  [`${AN}TokenRequestStatus`]: object('The issued token.', {
    expirationTimestamp: ref(`${M}Time`, 'When the token expires.'),
    token: str('The opaque bearer token.'),
  }, ['token', 'expirationTimestamp']),

  [`${AN}TokenRequest`]: kind(gvk(GROUP, 'v1', 'TokenRequest'), 'Requests a token for a service account (the serviceaccounts/token subresource).', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AN}TokenRequestSpec`, 'What the token should be like.'),
    status: ref(`${AN}TokenRequestStatus`, 'The issued token, filled in by the server.'),
  }, ['spec']),
};
