# AWS Lambda style.
def lambda_handler(event, context):
    name = (event or {}).get("name", "world")
    return {"message": f"Hello, {name}!", "requestId": context.aws_request_id}
