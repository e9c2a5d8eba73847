"""Model endpoints: the server behind the SageMaker containers, and the clients that call it."""
