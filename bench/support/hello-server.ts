import Fastify from 'fastify';

/** The baseline: a bare Fastify answering a JSON POST, nothing else. */
const app = Fastify();
app.post('/hello', async () => ({ hello: 'world' }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`listening ${address}\n`);
