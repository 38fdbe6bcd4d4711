DROP TABLE login_throttle;
DROP TABLE api_clients;
DROP TABLE users;
DROP TABLE organisations;
