// AWS Lambda style, async.
exports.handler = async (event, context) => {
    const name = (event && event.name) || 'world';
    return { message: `Hello, ${name}!`, requestId: context.awsRequestId };
};
