import { createPublicKey, verify } from 'node:crypto';
import Fastify from 'fastify';

/**
 * The baselines: a bare Fastify answering a JSON POST, nothing else; and, when HELLO_VERIFY_KEY holds an Ed25519
 * public key (SPKI DER, base64), the same answer behind one signature check of the `x-signature` header over
 * HELLO_VERIFY_MESSAGE: the least a DPoP-checking endpoint can cost.
 */
const app = Fastify();
app.post('/hello', async () => ({ hello: 'world' }));
const verifyKey = process.env.HELLO_VERIFY_KEY;
if (verifyKey) {
  const key = createPublicKey({ key: Buffer.from(verifyKey, 'base64'), format: 'der', type: 'spki' });
  const message = Buffer.from(process.env.HELLO_VERIFY_MESSAGE ?? '');
  app.post('/hello-verified', async (request, reply) => {
    const signature = request.headers['x-signature'];
    if (typeof signature === 'string' && verify(null, message, key, Buffer.from(signature, 'base64url'))) return { hello: 'world' };
    return reply.code(401).send({ error: 'signature' });
  });
}
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`listening ${address}\n`);
