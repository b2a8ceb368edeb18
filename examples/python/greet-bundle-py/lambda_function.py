from greeter import greet
from greeter.format import shout


def lambda_handler(event, context):
    return {"message": shout(greet(event["name"]))}
